// A graphql-transport-ws client for the GraphQL door's subscriptions: one WebSocket per tab, shared by the live
// feed, resource updates and tool calls with progress. Completing a subscription cancels its work on the server.

const PROTOCOL = 'graphql-transport-ws';

class GraphQLSocket {
  #socket = null;
  #ready = null;
  #next = 1;
  #operations = new Map();
  #retry = 0;

  #url() {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  }

  #connect() {
    if (this.#ready) return this.#ready;
    this.#ready = new Promise((resolve, reject) => {
      const socket = new WebSocket(this.#url(), PROTOCOL);
      this.#socket = socket;
      let acknowledged = false;
      socket.addEventListener('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.addEventListener('message', event => {
        let message;
        try { message = JSON.parse(event.data); } catch { return; }
        switch (message.type) {
          case 'connection_ack':
            acknowledged = true;
            this.#retry = 0;
            resolve(socket);
            break;
          case 'ping':
            socket.send(JSON.stringify({ type: 'pong' }));
            break;
          case 'next':
            this.#operations.get(message.id)?.handlers.next?.(message.payload);
            break;
          case 'error': {
            const op = this.#operations.get(message.id);
            this.#operations.delete(message.id);
            op?.handlers.error?.(new Error((message.payload ?? []).map(e => e.message).join('; ') || 'GraphQL error'));
            break;
          }
          case 'complete': {
            const op = this.#operations.get(message.id);
            this.#operations.delete(message.id);
            op?.handlers.complete?.();
            break;
          }
        }
      });
      socket.addEventListener('close', event => {
        this.#ready = null;
        this.#socket = null;
        if (!acknowledged) reject(new Error(`GraphQL WebSocket closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`));
        // Live subscriptions resubscribe after a pause; one-shot operations (tool calls) fail.
        const live = [...this.#operations.entries()];
        for (const [id, op] of live) {
          if (!op.live) { this.#operations.delete(id); op.handlers.error?.(new Error('The connection to the server closed.')); }
        }
        if (live.some(([, op]) => op.live) && this.#retry < 6) {
          const delay = 500 * 2 ** this.#retry++;
          setTimeout(() => this.#resubscribe(), delay);
        }
      });
    });
    return this.#ready;
  }

  async #resubscribe() {
    try {
      const socket = await this.#connect();
      for (const [id, op] of this.#operations) socket.send(JSON.stringify({ id, type: 'subscribe', payload: op.payload }));
    } catch { /* the close handler schedules the next try */ }
  }

  /**
   * Subscribes; returns a function that stops the subscription (and the server's work for it).
   * handlers: { next(payload), error(Error), complete() }; live: resubscribe after a reconnect.
   */
  subscribe(query, variables, handlers, { live = false } = {}) {
    const id = String(this.#next++);
    const payload = { query, variables };
    this.#operations.set(id, { payload, handlers, live });
    this.#connect().then(socket => {
      if (this.#operations.has(id)) socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
    }, error => {
      if (this.#operations.delete(id)) handlers.error?.(error);
    });
    return () => {
      if (!this.#operations.delete(id)) return;
      if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ id, type: 'complete' }));
    };
  }
}

export const graphql = new GraphQLSocket();
