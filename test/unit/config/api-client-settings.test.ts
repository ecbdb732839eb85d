/** Where the CLI's operator commands send requests, and with which token. */
import { expect } from 'chai';
import { resolveApiClient } from '../../../src/config/api-client.ts';

const noFiles = (path: string): string => {
  throw new Error(`ENOENT ${path}`);
};

describe('API client settings of the operator commands', () => {
  it('targets the configured listen address, with a wildcard host made local', () => {
    expect(resolveApiClient({ env: { FIREBREAK_LISTEN: '0.0.0.0:9000' }, readFile: noFiles })).to.deep.include({ url: 'http://127.0.0.1:9000', token: null, tokenSource: 'none' });
    expect(resolveApiClient({ env: {}, readFile: noFiles }).url).to.equal('http://127.0.0.1:8080');
  });

  it('prefers --url, then FIREBREAK_URL', () => {
    const env = { FIREBREAK_URL: 'http://fb.internal:8080/' };
    expect(resolveApiClient({ env, readFile: noFiles }).url).to.equal('http://fb.internal:8080');
    expect(resolveApiClient({ env, readFile: noFiles, url: 'https://other:443' }).url).to.equal('https://other:443');
  });

  it('refuses a listen address without a fixed port, or a URL that is not http', () => {
    for (const input of [{ env: { FIREBREAK_LISTEN: '127.0.0.1:0' }, readFile: noFiles }, { env: {}, readFile: noFiles, url: 'ftp://x' }]) {
      let code = '';
      try {
        resolveApiClient(input);
      } catch (err) {
        code = (err as { code: string }).code;
      }
      expect(code).to.equal('CLI_USAGE');
    }
  });

  it('takes the token from FIREBREAK_TOKEN, its file, a configured responder token, then the generated credentials', () => {
    expect(resolveApiClient({ env: { FIREBREAK_TOKEN: 'tok-from-env-0123456789' }, readFile: noFiles })).to.deep.include({ token: 'tok-from-env-0123456789', tokenSource: 'FIREBREAK_TOKEN' });
    const files: Record<string, string> = {
      '/run/secrets/fb': 'tok-from-file-0123456789\n',
      'data/credentials.json': JSON.stringify({ createdAt: 'x', webhook: { token: 'w' }, apiTokens: [{ name: 'admin', role: 'admin', token: 'generated-admin-0123456789' }] }),
    };
    const readFile = (path: string) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT ${path}`);
      return text;
    };
    expect(resolveApiClient({ env: { FIREBREAK_TOKEN_FILE: '/run/secrets/fb' }, readFile })).to.deep.include({ token: 'tok-from-file-0123456789' });
    const tokens = 'ro:viewer:viewer-token-0123456789,alice:responder:responder-token-0123456789';
    expect(resolveApiClient({ env: { FIREBREAK_API_TOKENS: tokens }, readFile })).to.deep.include({ token: 'responder-token-0123456789', tokenSource: 'apiTokens (alice)' });
    expect(resolveApiClient({ env: { FIREBREAK_DATA_DIR: 'data' }, readFile })).to.deep.include({ token: 'generated-admin-0123456789', tokenSource: 'data/credentials.json' });
  });

  it('finds the generated credentials of the installation directory when run from another directory', () => {
    const generated = JSON.stringify({ createdAt: 'x', webhook: { token: 'w' }, apiTokens: [{ name: 'admin', role: 'admin', token: 'installed-admin-0123456789' }] });
    const readFile = (path: string) => {
      if (path === '/opt/firebreak/data/credentials.json') return generated;
      throw new Error(`ENOENT ${path}`);
    };
    // The default ./data is not in this directory, but in the one npm start runs in.
    expect(resolveApiClient({ env: {}, readFile, installDir: '/opt/firebreak' })).to.deep.include({
      token: 'installed-admin-0123456789',
      tokenSource: '/opt/firebreak/data/credentials.json',
    });
    // An absolute data directory is the only place looked at, and a miss says where it looked.
    expect(resolveApiClient({ env: { FIREBREAK_DATA_DIR: '/var/lib/firebreak' }, readFile, installDir: '/opt/firebreak' })).to.deep.include({
      token: null,
      searched: ['/var/lib/firebreak/credentials.json'],
    });
    expect(resolveApiClient({ env: {}, readFile: noFiles, installDir: '/opt/firebreak' }).searched).to.deep.equal(['data/credentials.json', '/opt/firebreak/data/credentials.json']);
  });
});
