/** The event layer: Plane issue → desired event → iCalendar, and stored iCalendar → managed fields. */

export { cycleToEvent, moduleToEvent } from './blocks.js';
export { mergeEvent } from './merge.js';
export * from './model.js';
export { fieldChanges, parseCalendarObject } from './parse.js';
export {
  ISSUE_ID_PROPERTY,
  PRODUCT_ID,
  PROJECT_ID_PROPERTY,
  type RenderOptions,
  renderEvent,
} from './render.js';
export { htmlToPlainText } from './text.js';
export { vtimezone } from './timezone.js';
export {
  InvalidIssueError,
  issueToEvent,
  PRIORITY_COLORS,
  TASK_PRIORITIES,
  type TransformContext,
} from './transform.js';
export { isOwnedUid, issueIdFromUid, looksOwned, objectNameForUid, uidForIssue } from './uid.js';
