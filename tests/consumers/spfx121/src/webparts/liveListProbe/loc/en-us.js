define([], function() {
  return {
    "PropertyPaneDescription": "Where the live list comes from",
    "BasicGroupName": "sp-live",
    "BroadcasterFieldLabel": "Broadcaster URL",
    "ListIdFieldLabel": "List id (GUID)"
  }
});
