// The server's work queue. A request is refused at once (503, Retry-After) when it arrives at a full queue,
// before its upload is read; it takes its place once its upload is in (so a slow uploader holds bytes of the
// upload budget, never a place), and is refused then, before decoding, if the queue filled meanwhile. Jobs run
// one at a time in the order they took their places. A place whose request is gone (client closed, deadline
// passed, bad upload) is given back and never runs.
import { HttpError } from './http.js';

export class Place {
  ready = false;
  /** Its number in the order places were taken (the X-Queue-Ticket header). */
  ticket = 0;
  cancelled = false;
  /** Set while waiting: its turn came, or its request is gone. */
  go?: () => void;
  stop?: (err: Error) => void;
  constructor(readonly arrived: number) {}
}

export class WorkQueue {
  private readonly places: Place[] = [];
  private running?: Place;
  private lastJobMs = 2000;
  constructor(private readonly maxWaiting: number) {}

  /** Places taken: the running job and those waiting (uploading, decoding or ready). */
  get length(): number {
    return this.places.length + (this.running ? 1 : 0);
  }

  private tickets = 0;

  /** Refuses with 503 when `maxWaiting` requests already wait (checked on arrival and again by `take`). */
  admit(): void {
    if (this.places.length >= this.maxWaiting) {
      const retry = Math.max(1, Math.ceil(((this.places.length + 1) * this.lastJobMs) / 1000));
      throw new HttpError(503, `busy: ${this.length} jobs ahead; retry in about ${retry} s`, { 'Retry-After': String(retry) });
    }
  }

  /** Takes a place (its upload is in), or refuses with 503. */
  take(): Place {
    this.admit();
    const p = new Place(performance.now());
    p.ticket = ++this.tickets;
    this.places.push(p);
    return p;
  }

  /** Runs `job` at this place's turn (the earliest ready place goes first). */
  async run<T>(place: Place, job: () => Promise<T>): Promise<T> {
    place.ready = true;
    if (place.cancelled) throw new HttpError(499, 'gone');
    await new Promise<void>((resolve, reject) => {
      place.go = resolve;
      place.stop = reject;
      this.next();
    });
    const t0 = performance.now();
    try {
      return await job();
    } finally {
      this.lastJobMs = 0.7 * this.lastJobMs + 0.3 * (performance.now() - t0);
      this.running = undefined;
      this.next();
    }
  }

  /** Gives a place back (its request is gone); a running job's end is the caller's to bring about. */
  cancel(place: Place): void {
    if (place.cancelled) return;
    place.cancelled = true;
    const i = this.places.indexOf(place);
    if (i >= 0) {
      this.places.splice(i, 1);
      place.stop?.(new HttpError(499, 'gone'));
    }
    this.next();
  }

  private next(): void {
    if (this.running) return;
    const i = this.places.findIndex((p) => p.ready && !p.cancelled);
    if (i < 0) return;
    const [p] = this.places.splice(i, 1);
    this.running = p;
    p.go!();
  }
}
