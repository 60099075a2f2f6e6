// The article's list: [jython, dice] × 80 = 160 URLs. Served by `npx conc serve --port 18080` (a 40 KB and
// a 2 KB page on 127.0.0.1, each answered after 50 ms); SITES=http://host:port points elsewhere.
const base = process.env.SITES ?? 'http://127.0.0.1:18080';

export const sites = Array.from({ length: 160 }, (_, i) => `${base}/${i % 2 === 0 ? 'jython' : 'dice'}`);
