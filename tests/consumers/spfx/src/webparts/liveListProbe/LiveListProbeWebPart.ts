// A minimal SPFx web part that keeps a SharePoint list live with sp-live: it opens a
// LiveList on the page's site, shows the rows' titles and the status, and exposes what it
// saw on `window.__consumer` for the consumer test (tests/consumers/run.mjs); it keeps
// its checkpoint with sp-live/checkpoint (in sessionStorage, whenever the page is hidden)
// and resumes from it on the next page load, as README's SPFx example does. The gulp
// solutions spfx118/ and spfx121/ build this same file: run.mjs copies this folder (but
// the manifest) into theirs before each build.
import { Version } from '@microsoft/sp-core-library';
import { type IPropertyPaneConfiguration, PropertyPaneTextField } from '@microsoft/sp-property-pane';
import { BaseClientSideWebPart } from '@microsoft/sp-webpart-base';
import init, { LiveList, type LiveListEvent, type ListItem } from 'sp-live';
import { keepCheckpoint, readCheckpoint } from 'sp-live/checkpoint';

import styles from './LiveListProbeWebPart.module.scss';
import * as strings from 'LiveListProbeWebPartStrings';

export interface ILiveListProbeWebPartProps {
  broadcaster: string;
  listId: string;
}

interface IProbeState {
  consumer: string;
  status: string;
  /** Every status, in order. */
  statuses: string[];
  events: string[];
  titles: string[];
  /** Opened with a checkpoint kept by an earlier load of the page. */
  resumed: boolean;
  error?: string;
}

export default class LiveListProbeWebPart extends BaseClientSideWebPart<ILiveListProbeWebPartProps> {
  private _list: LiveList | undefined;
  private _stopKeeping: (() => Promise<boolean>) | undefined;
  private _items: ListItem[] = [];
  // The consumer test serves each SPFx build under its name (/spfx/, /spfx118/, /spfx121/).
  private _state: IProbeState = {
    consumer: window.location.pathname.split('/')[1] || 'spfx',
    status: 'starting',
    statuses: [],
    events: [],
    titles: [],
    resumed: false,
  };

  protected async onInit(): Promise<void> {
    (window as unknown as { __consumer: IProbeState }).__consumer = this._state;
    try {
      // The .wasm is an asset of this bundle: `new URL('sp_live_bg.wasm', import.meta.url)`
      // in sp-live's glue is rewritten to the asset's URL by webpack 5 (SPFx 1.19 and
      // later, no change needed), or in SPFx 1.18 and older (webpack 4) by the two rules
      // in the solution's gulpfile.js (see tests/consumers/README.md).
      await init();
      // What this web part showed before the page was last loaded (README's SPFx
      // example): its rows show at once, and the list catches up instead of loading.
      const kept = await readCheckpoint(this._storageKey);
      this._state.resumed = kept !== null;
      this._list = await LiveList.open({
        broadcaster: this.properties.broadcaster,
        siteUrl: this.context.pageContext.web.absoluteUrl,
        listId: this.properties.listId,
        select: ['Title'],
        resume: kept,
      });
      // `resyncing` while it catches up; `live` at once for a copy that joined a live
      // feed (status events come on changes only, so none may follow).
      this._state.status = this._list.status;
      this._state.statuses.push(this._list.status);
      this._list.subscribe((event: LiveListEvent) => this._onEvent(event));
      // Kept whenever the page is hidden (a reload does not dispose web parts) and on dispose.
      this._stopKeeping = keepCheckpoint(this._storageKey, this._list);
    } catch (e) {
      this._state.error = String((e as Error)?.message ?? e);
    }
  }

  private _onEvent(event: LiveListEvent): void {
    this._state.events.push(event.type);
    if (event.type === 'snapshot' || event.type === 'reset') {
      this._items = event.items;
    } else if (event.type === 'changes') {
      this._items = this._list ? this._list.items() : this._items;
    } else if (event.type === 'status') {
      this._state.status = event.status;
      this._state.statuses.push(event.status);
    } else if (event.type === 'error') {
      this._state.error = `${event.error.code}: ${event.error.message}`;
    }
    this._state.titles = this._items.map((i) => String(i.Title ?? ''));
    this.render();
  }

  public render(): void {
    const section = document.createElement('section');
    section.className = styles.liveListProbe;
    const status = document.createElement('p');
    status.id = 'status';
    status.textContent = `${this._state.status} - ${this._items.length} rows`;
    const list = document.createElement('ul');
    for (const title of this._state.titles) {
      const li = document.createElement('li');
      li.textContent = title;
      list.appendChild(li);
    }
    section.append(status, list);
    this.domElement.replaceChildren(section);
  }

  private get _storageKey(): string {
    return `sp-live-probe:${this.properties.listId}`;
  }

  protected onDispose(): void {
    this._stopKeeping?.().catch(() => undefined); // keeps the checkpoint once more
    this._list?.close();
    this._list = undefined;
  }

  protected get dataVersion(): Version {
    return Version.parse('1.0');
  }

  protected getPropertyPaneConfiguration(): IPropertyPaneConfiguration {
    return {
      pages: [
        {
          header: { description: strings.PropertyPaneDescription },
          groups: [
            {
              groupName: strings.BasicGroupName,
              groupFields: [
                PropertyPaneTextField('broadcaster', { label: strings.BroadcasterFieldLabel }),
                PropertyPaneTextField('listId', { label: strings.ListIdFieldLabel }),
              ],
            },
          ],
        },
      ],
    };
  }
}
