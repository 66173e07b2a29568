/** A small typed event hub for the contract's events: listeners of one event never see another's payload. */
import type { EventName, Events } from '../contract.js';
import { errorMessage } from '../errors.js';

type Listener<E extends EventName> = (payload: Events[E]) => void;

export class EventHub {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry = listener as Listener<EventName>;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      // A failing listener (a closed window, a dropped socket) must not stop the job or the other listeners.
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        process.emitWarning(`titlewave: a listener of ${event} threw: ${errorMessage(error)}`);
      }
    }
  }
}
