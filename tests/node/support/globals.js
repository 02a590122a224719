// Records every read of browser-only globals (window, document, location) made by the package's
// own code (the frame that reads is in pkg/ or node_modules/tokenfetch/), with its stack. Reads
// by React or the test runner are ignored.
const inPackage = (frame) => /[\\/](pkg|tokenfetch)[\\/][^\\/]+\.js/.test(frame ?? "");

export function watchBrowserGlobals(names = ["window", "document", "location"]) {
  const reads = [];
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]);
  for (const [name, descriptor] of saved) {
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        const stack = new Error().stack;
        // [0] "Error", [1] this getter, [2] the code that read the global.
        if (inPackage(stack.split("\n")[2])) reads.push(`${name}\n${stack}`);
        return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
      },
    });
  }
  return {
    reads,
    restore() {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete globalThis[name];
      }
    },
  };
}
