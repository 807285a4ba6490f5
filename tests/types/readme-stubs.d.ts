// The little of SPFx and React that README.md's examples use, for check.mjs to compile
// them (tests/ installs neither SPFx's nor React's typings). Shapes as in
// @microsoft/sp-webpart-base, @microsoft/sp-http and @types/react, cut down.

declare module "@microsoft/sp-http" {
  export class SPHttpClientConfiguration {}
  export class SPHttpClient {
    static readonly configurations: { readonly v1: SPHttpClientConfiguration };
    fetch(url: string, configuration: SPHttpClientConfiguration, options: RequestInit): Promise<Response>;
  }
}

declare module "@microsoft/sp-webpart-base" {
  import type { SPHttpClient } from "@microsoft/sp-http";
  export interface WebPartContext {
    readonly instanceId: string;
    readonly pageContext: { readonly web: { readonly absoluteUrl: string }; readonly user: { readonly loginName: string } };
    readonly spHttpClient: SPHttpClient;
  }
  export abstract class BaseClientSideWebPart<TProperties> {
    protected readonly properties: TProperties;
    protected readonly domElement: HTMLElement;
    protected readonly context: WebPartContext;
    protected onInit(): Promise<void>;
    protected abstract render(): void;
    protected onPropertyPaneFieldChanged(propertyPath: string, oldValue: unknown, newValue: unknown): void;
    protected onDispose(): void;
  }
}

declare module "react" {
  export type ReactNode = string | number | boolean | null | undefined | JSX.Element | ReactNode[];
  export function createElement(type: unknown, props?: unknown, ...children: ReactNode[]): JSX.Element;
}

declare namespace JSX {
  interface Element { readonly type: unknown; readonly props: unknown }
  interface IntrinsicAttributes { key?: string | number }
  interface IntrinsicElements { [name: string]: { children?: unknown; key?: string | number } }
}
