// A tiny async signal: waiters resolve on the next notify().
export interface Waiter {
  wait(): Promise<void>;
  notify(): void;
}

export function createWaiter(): Waiter {
  let resolvers: (() => void)[] = [];
  return {
    wait: () => new Promise<void>((resolve) => resolvers.push(resolve)),
    notify() {
      const r = resolvers;
      resolvers = [];
      for (const fn of r) fn();
    },
  };
}
