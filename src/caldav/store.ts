/**
 * The one interface the sync talks to a calendar server through. DavCalendarStore implements it
 * over tsdav; MemoryCalendarStore implements it in memory with the same ETag rules (the test
 * double). Server quirks are handled below this line, never above it.
 *
 * Errors: every method throws the typed errors of ../errors.ts: AuthError (401/403),
 * PreconditionFailedError (412, or an existing object on create), NotFoundError (404/410),
 * HttpError otherwise. A 207 multistatus whose inner status is >= 400 is a failure, never success.
 */

export interface CalendarRef {
  /** Absolute URL of the collection, ending in "/". */
  url: string;
  displayName: string;
  /** getctag, when the server has one (changes whenever any member changes). */
  ctag?: string | undefined;
  /** RFC 6578 sync-token, when supported. */
  syncToken?: string | undefined;
  /**
   * The Plane project calplanebot marked this calendar for (markCalendar), when the server kept
   * the mark: how an adopted calendar is recognised again after a project rename.
   */
  projectId?: string | undefined;
  /**
   * supported-calendar-component-set, upper case ("VEVENT", "VTODO"); undefined when the server
   * does not say, which RFC 4791 §5.2.3 reads as "any".
   */
  components?: string[] | undefined;
}

/** The component a calendar is made for: events, or tasks (`as: "tasks"`). */
export type CalendarComponent = 'VEVENT' | 'VTODO';

export interface NewCalendarOptions {
  /** Default VEVENT. */
  component?: CalendarComponent | undefined;
  /** A CSS colour such as "#FF5733FF" (Apple's calendar-color). */
  color?: string | undefined;
}

/** Whether a calendar takes objects of `component`. */
export function accepts(calendar: CalendarRef, component: CalendarComponent): boolean {
  return calendar.components === undefined || calendar.components.includes(component);
}

export interface RemoteObject {
  /** Absolute URL of the calendar object resource. */
  href: string;
  /** The ETag as the server sent it (quotes kept); null when the server gave none. */
  etag: string | null;
  /** The iCalendar text. */
  data: string;
}

export interface WriteResult {
  /** The new ETag when the server returned one (it need not, RFC 7231 §7.2). */
  etag: string | null;
}

/** What changed in a calendar since a sync-token (RFC 6578), hrefs absolute. */
export interface CalendarChanges {
  /** The token that stands for the calendar as of this answer. */
  token: string;
  /** Members added or changed, with their ETag now (null when the server gave none). */
  changed: Array<{ href: string; etag: string | null }>;
  /** Members removed. */
  removed: string[];
}

export interface CalendarStore {
  /** Every calendar collection in the user's calendar home. */
  listCalendars(): Promise<CalendarRef[]>;

  /**
   * MKCALENDAR at `url` with a display name, for VEVENTs (default) or VTODOs; a colour is applied
   * afterwards as a best-effort PROPPATCH (some servers refuse the whole MKCALENDAR when one
   * property is unsupported).
   */
  createCalendar(url: string, displayName: string, options?: NewCalendarOptions): Promise<CalendarRef>;

  /** Best-effort display-name change of an existing calendar. */
  renameCalendar(calendar: CalendarRef, displayName: string): Promise<void>;

  /**
   * Marks a calendar as the one mirroring a project (a dead property in calplanebot's own XML
   * namespace), so listCalendars() reports its `projectId` from then on. Throws when the server
   * refuses the property; callers treat that as best-effort.
   */
  markCalendar(calendar: CalendarRef, projectId: string): Promise<void>;

  /** The URL a new calendar with this slug would get in the calendar home. */
  calendarUrlFor(slug: string): Promise<string>;

  /** Every calendar object in the collection, with data and ETag: one request where the server allows. */
  list(calendar: CalendarRef): Promise<RemoteObject[]>;

  /**
   * RFC 6578 sync-collection: what changed since `token` (undefined: the initial sync, every
   * member). Throws when the server has no sync-collection or refuses the token (403/409
   * valid-sync-token): the caller then lists the calendar instead.
   */
  changesSince(calendar: CalendarRef, token: string | undefined): Promise<CalendarChanges>;

  /** calendar-multiget: the objects at `hrefs` (inside the calendar) that exist, with data and ETag. */
  getMany(calendar: CalendarRef, hrefs: readonly string[]): Promise<RemoteObject[]>;

  /** One object, or null when it does not exist. */
  get(href: string): Promise<RemoteObject | null>;

  /** PUT with If-None-Match: *. PreconditionFailedError when something already lives at href. */
  create(href: string, data: string): Promise<WriteResult>;

  /**
   * PUT with If-Match: etag. PreconditionFailedError when the object changed since it was read.
   * A null etag (a server that lists none) makes the store fetch one first; it never writes blind.
   */
  update(href: string, data: string, etag: string | null): Promise<WriteResult>;

  /** DELETE with If-Match: etag (fetched first when null). A 404 counts as done. */
  delete(href: string, etag: string | null): Promise<void>;
}
