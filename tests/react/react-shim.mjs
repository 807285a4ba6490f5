// `react` as an ES module for the test page: the UMD build's global, with the named
// exports a bundler's interop gives `import * as React from "react"`.
const React = globalThis.React;
export default React;
export const { useCallback, useEffect, useMemo, useReducer, useRef, useState, createElement } = React;
