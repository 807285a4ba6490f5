declare interface ILiveListProbeWebPartStrings {
  PropertyPaneDescription: string;
  BasicGroupName: string;
  BroadcasterFieldLabel: string;
  ListIdFieldLabel: string;
}

declare module 'LiveListProbeWebPartStrings' {
  const strings: ILiveListProbeWebPartStrings;
  export = strings;
}
