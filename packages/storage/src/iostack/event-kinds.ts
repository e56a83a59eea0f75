import type { EventHandler, Simulation } from "@vmlab/core-vm";

const kindsBySim = new WeakMap<Simulation, Map<string, number>>();

/**
 * The numeric id of event kind `name` on `sim`, registering `handler` the
 * first time. Every instance of a model class shares one kind; the event's
 * object payload names the instance, so handlers are static functions and no
 * closure is created per instance or per event.
 */
export function sharedKind(sim: Simulation, name: string, handler: EventHandler): number {
  let kinds = kindsBySim.get(sim);
  if (!kinds) {
    kinds = new Map();
    kindsBySim.set(sim, kinds);
  }
  let id = kinds.get(name);
  if (id === undefined) {
    id = sim.on(name, handler);
    kinds.set(name, id);
  }
  return id;
}
