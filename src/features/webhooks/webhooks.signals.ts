/**
 * In-process wake-ups of the webhook runner: the service tells it that deliveries may have become due (a manual
 * retry, a new subscription) so it does not wait for its next poll. Other processes find the work at their poll.
 */
export function createWebhookSignals() {
  const listeners = new Set<() => void>();
  return {
    notify(): void {
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type WebhookSignals = ReturnType<typeof createWebhookSignals>;
