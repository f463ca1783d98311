export const MINIMUM_NODE_MAJOR = 24;

/** One clear line instead of a confusing failure later: type stripping and our libraries need Node 24. */
export function checkNodeVersion(version = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= MINIMUM_NODE_MAJOR) return undefined;
  return `Mercato needs Node.js ${MINIMUM_NODE_MAJOR} or newer but runs on ${version}. Run it through npm (npm start), which uses the Node ${MINIMUM_NODE_MAJOR} the project installs, or reinstall with 'npm install' so that Node ${MINIMUM_NODE_MAJOR} is installed.`;
}
