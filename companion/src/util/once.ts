/** `make`, called on the first call only; later calls return what it made (null and undefined included). */
export const once = <T>(make: () => T): (() => T) => {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
};
