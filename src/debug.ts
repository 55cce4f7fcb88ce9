/** Debug counters (cheap, always on): how many native calls the cpu backend made. */
let nativeCalls = 0;

export const debug = {
  /** Native calls made by the cpu backend since the last reset. */
  get nativeCalls(): number {
    return nativeCalls;
  },
  resetNativeCalls(): void {
    nativeCalls = 0;
  },
};

/** Count one native call (used by the cpu backend adapter). */
export function countNativeCall(): void {
  nativeCalls++;
}
