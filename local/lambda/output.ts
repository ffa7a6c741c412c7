/**
 * Where the functions' stdout/stderr go (CloudWatch Logs in AWS): while any invocation runs,
 * process output is redirected to the log sink under the function it belongs to; a killed
 * invocation's output is dropped, whenever it writes, as Lambda's is once it stopped the
 * runtime. Writers that must still reach the terminal (the live view) hold a reference to the
 * original `write`.
 *
 * | write made by                          | goes to                                         |
 * |----------------------------------------|-------------------------------------------------|
 * | a killed invocation's code             | nowhere                                         |
 * | an invocation's code                   | the sink, under its function                    |
 * | other code while a function runs       | the sink, under the running function            |
 * | other code while none runs             | the terminal                                    |
 *
 * The redirect is installed while a function runs; once an invocation has been killed it stays
 * until `close()`, because the dead code may write at any later time.
 */
export type LogStream = 'stdout' | 'stderr';
export type LogSink = (functionName: string, stream: LogStream, text: string) => void;

export interface OutputRouter {
  /** A function started running (`running` is its name). */
  enter(running: string): void;
  leave(): void;
  /** Keeps the redirect after the last invocation ends (a killed one may still write). */
  pin(): void;
  close(): void;
}

export function createOutputRouter(options: {
  sink: LogSink | undefined;
  /** The function the calling code's invocation belongs to, and whether it was killed. */
  owner: () => { fn: string | undefined; killed: boolean };
}): OutputRouter {
  let running: string | undefined;
  let active = 0;
  let pinned = false;
  let originals: { stdout: typeof process.stdout.write; stderr: typeof process.stderr.write } | undefined;

  const redirect = (stream: LogStream) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const callback = rest.find((r): r is () => void => typeof r === 'function');
      const owner = options.owner();
      if (owner.killed) {
        callback?.();
        return true;
      }
      const fn = owner.fn ?? (active > 0 ? running : undefined);
      if (fn !== undefined && options.sink) {
        options.sink(fn, stream, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        callback?.();
        return true;
      }
      const original = originals?.[stream] ?? process[stream].write;
      return (original as (...args: unknown[]) => boolean).call(process[stream], chunk, ...rest);
    }) as typeof process.stdout.write;

  function install(): void {
    if (originals) return;
    originals = { stdout: process.stdout.write, stderr: process.stderr.write };
    process.stdout.write = redirect('stdout');
    process.stderr.write = redirect('stderr');
  }

  function uninstall(): void {
    if (!originals) return;
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
    originals = undefined;
  }

  return {
    enter(fn) {
      active += 1;
      running = fn;
      install();
    },
    leave() {
      active = Math.max(0, active - 1);
      if (active === 0) {
        running = undefined;
        if (!pinned) uninstall();
      }
    },
    pin() {
      pinned = true;
      install();
    },
    close() {
      pinned = false;
      if (active === 0) uninstall();
    },
  };
}
