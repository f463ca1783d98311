/**
 * The CLI's own output, which can vanish under it: `npm start | tee log` where the same Ctrl-C ends
 * tee, a closed terminal, a reader that went away. A write then fails with EPIPE, which Node reports
 * as an 'error' event on process.stdout; unhandled, that event would crash the supervisor halfway
 * through its shutdown and leave PostgreSQL and the children running. After a failure the stream is
 * treated as gone and later writes are dropped, so the shutdown carries on silently.
 */
const gone = new WeakSet<NodeJS.WriteStream>();
let guarded = false;

/** Installs the 'error' handlers on process.stdout and process.stderr (once). */
export function guardOutput(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => gone.add(stream));
}

function write(stream: NodeJS.WriteStream, text: string): void {
  if (gone.has(stream) || stream.destroyed || !stream.writable) return;
  try {
    stream.write(text);
  } catch {
    // A file or a terminal reports its failure at once (ENOSPC, EIO) rather than as an event.
    gone.add(stream);
  }
}

export function writeOut(text: string): void {
  write(process.stdout, text);
}

export function writeErr(text: string): void {
  write(process.stderr, text);
}
