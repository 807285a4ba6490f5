//! A small OData `$filter` parser and evaluator: comparisons (`eq ne gt ge lt le`)
//! of a field with a literal, combined with `and`, `or`, `not` and parentheses.

use serde_json::Value;

/// Comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

/// A parsed filter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `Field op literal`
    Cmp(String, Op, Value),
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Word(String),
    Str(String),
    Num(f64),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if ch == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if ch == '\'' {
            let mut v = String::new();
            i += 1;
            loop {
                match c.get(i) {
                    None => return Err("unterminated string".into()),
                    Some('\'') if c.get(i + 1) == Some(&'\'') => {
                        v.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(x) => {
                        v.push(*x);
                        i += 1;
                    }
                }
            }
            out.push(Tok::Str(v));
        } else if ch.is_ascii_digit() || ch == '-' || ch == '.' {
            let st = i;
            i += 1;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            let t: String = c[st..i].iter().collect();
            out.push(Tok::Num(t.parse().map_err(|_| format!("bad number {t}"))?));
        } else if ch.is_alphanumeric() || ch == '_' {
            let st = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '/') {
                i += 1;
            }
            let w: String = c[st..i].iter().collect();
            // datetime'2020-01-01T00:00:00Z' literals: keep the quoted part as a string.
            if c.get(i) == Some(&'\'') && w.eq_ignore_ascii_case("datetime") {
                continue;
            }
            out.push(Tok::Word(w));
        } else {
            return Err(format!("unexpected character '{ch}'"));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut l = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut l = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            l = Expr::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.toks.get(self.pos) == Some(&Tok::Open) {
            self.pos += 1;
            let e = self.or()?;
            if self.toks.get(self.pos) != Some(&Tok::Close) {
                return Err("expected ')'".into());
            }
            self.pos += 1;
            return Ok(e);
        }
        let field = match self.toks.get(self.pos) {
            Some(Tok::Word(w)) => w.clone(),
            t => return Err(format!("expected a field name, found {t:?}")),
        };
        let op = match self.toks.get(self.pos + 1) {
            Some(Tok::Word(w)) => match w.to_ascii_lowercase().as_str() {
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "lt" => Op::Lt,
                "le" => Op::Le,
                o => return Err(format!("unsupported operator '{o}'")),
            },
            t => return Err(format!("expected an operator, found {t:?}")),
        };
        let lit = match self.toks.get(self.pos + 2) {
            Some(Tok::Num(n)) => serde_json::Number::from_f64(*n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Some(Tok::Str(s)) => Value::String(s.clone()),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Value::Null,
            t => return Err(format!("expected a literal, found {t:?}")),
        };
        self.pos += 3;
        Ok(Expr::Cmp(field, op, lit))
    }
}

/// Parses a `$filter` expression.
pub fn parse(s: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(s)?,
        pos: 0,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err("unexpected trailing tokens".into());
    }
    Ok(e)
}

impl Expr {
    /// Field names referenced by the expression.
    pub fn fields(&self) -> Vec<String> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.fields();
                v.extend(b.fields());
                v
            }
            Expr::Not(a) => a.fields(),
            Expr::Cmp(f, _, _) => vec![f.clone()],
        }
    }

    /// Evaluates against a field lookup.
    pub fn eval(&self, get: &dyn Fn(&str) -> Value) -> bool {
        match self {
            Expr::And(a, b) => a.eval(get) && b.eval(get),
            Expr::Or(a, b) => a.eval(get) || b.eval(get),
            Expr::Not(a) => !a.eval(get),
            Expr::Cmp(f, op, lit) => compare(&get(f), *op, lit),
        }
    }
}

fn compare(v: &Value, op: Op, lit: &Value) -> bool {
    use std::cmp::Ordering;
    let ord = match (v, lit) {
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::Number(b)) => a
            .parse::<f64>()
            .ok()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match (op, ord) {
        (Op::Eq, Some(o)) => o == Ordering::Equal,
        (Op::Ne, Some(o)) => o != Ordering::Equal,
        (Op::Ne, None) => true,
        (Op::Gt, Some(o)) => o == Ordering::Greater,
        (Op::Ge, Some(o)) => o != Ordering::Less,
        (Op::Lt, Some(o)) => o == Ordering::Less,
        (Op::Le, Some(o)) => o != Ordering::Greater,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id_is(n: i64) -> impl Fn(&str) -> Value {
        move |f: &str| {
            if f.eq_ignore_ascii_case("id") {
                json!(n)
            } else {
                json!("x'y")
            }
        }
    }

    #[test]
    fn parses_and_evaluates() {
        let e = parse("(ID eq 1) or (ID eq 7)").unwrap();
        assert!(e.eval(&id_is(7)));
        assert!(!e.eval(&id_is(2)));
        let e = parse("ID ge 3 and ID lt 5 and not (ID eq 4)").unwrap();
        assert!(e.eval(&id_is(3)));
        assert!(!e.eval(&id_is(4)));
        assert!(parse("Title eq 'x''y'").unwrap().eval(&id_is(1)));
        assert_eq!(
            parse("Title eq 'a'").unwrap().fields(),
            vec!["Title".to_string()]
        );
        for bad in [
            "",
            "ID eq",
            "(ID eq 1",
            "ID foo 1",
            "ID eq 'x",
            "ID eq 1)",
            "ID eq 1 $",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
