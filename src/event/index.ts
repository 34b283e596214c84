/** The event layer: Plane issue → desired event → iCalendar, and stored iCalendar → managed fields. */
export * from './model.js';
export { uidForIssue, isOwnedUid, issueIdFromUid, looksOwned, objectNameForUid } from './uid.js';
export { htmlToPlainText } from './text.js';
export { issueToEvent, InvalidIssueError, PRIORITY_COLORS, TASK_PRIORITIES, type TransformContext } from './transform.js';
export { cycleToEvent, moduleToEvent } from './blocks.js';
export { vtimezone } from './timezone.js';
export {
  renderEvent,
  PRODUCT_ID,
  ISSUE_ID_PROPERTY,
  PROJECT_ID_PROPERTY,
  type RenderOptions,
} from './render.js';
export { parseCalendarObject, fieldChanges } from './parse.js';
export { mergeEvent } from './merge.js';
