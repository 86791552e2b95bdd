/** A dependency a test's route never reaches: any use of it fails the test with its name. */
export function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      throw new Error(`${name}.${String(property)} is not used by this test`);
    },
  });
}
