export { ControlEvents, type ControlEventsOptions } from './control-events.ts';
export { type ControlServer, type ControlServerOptions, startControlServer } from './control-server.ts';
