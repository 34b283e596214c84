/**
 * The transport against real loopback HTTP servers: connections are reused (what undici's Agent
 * and its REPORT/MKCALENDAR rule got wrong), and redirects are followed within an origin only.
 * Counts of connections, never times.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeHttpConnections, undiciTransport } from '../../../src/http/transport.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  url: string;
  connections: () => number;
  requests: Recorded[];
  close: () => Promise<void>;
}

const servers: TestServer[] = [];

async function serve(handle: (req: Recorded, res: ServerResponse, socket: Socket) => void): Promise<TestServer> {
  const requests: Recorded[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      handle(recorded, res, req.socket);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const running: TestServer = {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(running);
  return running;
}

afterEach(async () => {
  await closeHttpConnections();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const created = (_req: Recorded, res: ServerResponse) => {
  res.writeHead(201, { 'content-length': '0', etag: '"1"' });
  res.end();
};

describe('connections', () => {
  it('requests one after the other share one connection, also after a REPORT and a MKCALENDAR with bodies', async () => {
    const server = await serve(created);
    await undiciTransport(`${server.url}/cal/`, {
      method: 'MKCALENDAR',
      body: '<mkcalendar xmlns="urn:ietf:params:xml:ns:caldav"/>',
    });
    await undiciTransport(`${server.url}/cal/`, {
      method: 'REPORT',
      body: '<calendar-query xmlns="urn:ietf:params:xml:ns:caldav"/>',
    });
    for (let i = 0; i < 30; i += 1)
      await undiciTransport(`${server.url}/cal/${i}.ics`, { method: 'PUT', body: 'BEGIN:VCALENDAR' });
    expect(server.requests).toHaveLength(32);
    // undici's own behaviour would be one connection per request here (32).
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it('a connection the server closes is replaced once, not once per later request', async () => {
    let answered = 0;
    const server = await serve((_req, res, socket) => {
      answered += 1;
      res.writeHead(201, { 'content-length': '0' });
      res.end();
      if (answered === 3) socket.destroy(); // e.g. a keep-alive timeout on the server's side
    });
    for (let i = 0; i < 30; i += 1) await undiciTransport(`${server.url}/${i}.ics`, { method: 'PUT', body: 'x' });
    expect(server.requests).toHaveLength(30);
    expect(server.connections()).toBeLessThanOrEqual(3);
  });

  it('parallel requests use at most the pool size of connections', async () => {
    const server = await serve((req, res) => setTimeout(() => created(req, res), 5));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => undiciTransport(`${server.url}/${i}.ics`, { method: 'PUT', body: 'x' })),
    );
    expect(server.requests).toHaveLength(40);
    expect(server.connections()).toBeLessThanOrEqual(8);
  });
});

describe('answers', () => {
  it('reads status, headers (repeated ones joined) and the body, a UTF-8 BOM dropped', async () => {
    const server = await serve((_req, res) => {
      res.setHeader('x-many', ['a', 'b']);
      res.writeHead(207, { 'content-type': 'text/xml; charset=utf-8', etag: '"e"' });
      res.end('\uFEFF<multistatus>é</multistatus>');
    });
    const response = await undiciTransport(`${server.url}/x`, { method: 'PROPFIND', headers: { Depth: '1' } });
    expect(response.status).toBe(207);
    expect(response.ok).toBe(true); // 2xx, as for fetch
    expect(response.headers.get('ETag')).toBe('"e"');
    expect(response.headers.get('x-many')).toBe('a, b');
    expect(await response.text()).toBe('<multistatus>é</multistatus>');
    expect(server.requests[0]?.headers.depth).toBe('1');
  });
});

describe('redirects: followed within the origin as fetch follows them, never to another origin', () => {
  it('keeps the method, body and credentials on the same origin (307, 308, 301 for a PROPFIND)', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old/') {
        res.writeHead(301, { location: '/mid/' });
        res.end();
      } else if (req.url === '/mid/') {
        res.writeHead(308, { location: '/new/' });
        res.end();
      } else {
        res.writeHead(207, { 'content-length': '2' });
        res.end('ok');
      }
    });
    const response = await undiciTransport(`${server.url}/old/`, {
      method: 'PROPFIND',
      headers: { authorization: 'Basic abc' },
      body: '<propfind/>',
    });
    expect(response.status).toBe(207);
    expect(response.url).toBe(`${server.url}/new/`);
    const last = server.requests.at(-1);
    expect(last).toMatchObject({ method: 'PROPFIND', body: '<propfind/>' });
    expect(last?.headers.authorization).toBe('Basic abc');
  });

  it('hands a redirect to another origin back instead of following it: no credential ever goes there', async () => {
    const other = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    });
    const server = await serve((_req, res) => {
      res.writeHead(307, { location: `${other.url}/elsewhere` });
      res.end();
    });
    const response = await undiciTransport(`${server.url}/x`, {
      method: 'GET',
      headers: { authorization: 'Basic secret', 'x-api-key': 'plane_api_key' },
    });
    expect(response.status).toBe(307);
    expect(response.url).toBe(`${server.url}/x`);
    expect(other.requests).toHaveLength(0);
  });

  it('turns a 303 into a GET without a body', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/form') {
        res.writeHead(303, { location: '/result' });
        res.end();
      } else {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      }
    });
    await undiciTransport(`${server.url}/form`, {
      method: 'PUT',
      headers: { 'content-type': 'text/calendar' },
      body: 'BEGIN:VCALENDAR',
    });
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', url: '/result', body: '' });
    expect(server.requests.at(-1)?.headers['content-type']).toBeUndefined();
  });

  it("leaves a redirect to the caller under redirect: 'manual' (tsdav's service discovery)", async () => {
    const server = await serve((_req, res) => {
      res.writeHead(301, { location: '/dav/' });
      res.end();
    });
    const response = await undiciTransport(`${server.url}/.well-known/caldav`, {
      method: 'PROPFIND',
      redirect: 'manual',
    });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/dav/');
    expect(server.requests).toHaveLength(1);
  });

  it('stops after 20 redirects and hands back the last one', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(302, { location: '/loop' });
      res.end();
    });
    const response = await undiciTransport(`${server.url}/loop`, { method: 'GET' });
    expect(response.status).toBe(302);
    expect(server.requests).toHaveLength(21);
  });
});
