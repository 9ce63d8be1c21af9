// A minimal observable value: controllers replace parts of the panel state, the panel re-renders once per change.

export class Store<T extends object> {
  private readonly listeners = new Set<(state: T) => void>();

  constructor(private current: T) {}

  get state(): T {
    return this.current;
  }

  update(patch: Partial<T> | ((state: T) => Partial<T>)): void {
    const changes = typeof patch === 'function' ? patch(this.current) : patch;
    this.current = { ...this.current, ...changes };
    for (const listener of this.listeners) listener(this.current);
  }

  subscribe(listener: (state: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
