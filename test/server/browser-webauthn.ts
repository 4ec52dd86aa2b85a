/**
 * In-page WebAuthn helpers for server tests that drive real Chromium: they turn the server's
 * JSON options into navigator.credentials calls and the results back into WebAuthn JSON, and
 * call the API with fetch from the page (so the cookie session is the browser's own).
 * Installed with page.addInitScript(WEBAUTHN_PAGE_HELPERS).
 */
export const WEBAUTHN_PAGE_HELPERS = `
(() => {
  const b64uToBuf = (s) => {
    const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
  };
  const bufToB64u = (b) => {
    const bytes = new Uint8Array(b);
    let s = '';
    for (const x of bytes) s += String.fromCharCode(x);
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  };
  const api = async (path, body, method) => {
    const res = await fetch(path, {
      method: method || (body === undefined ? 'GET' : 'POST'),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  };
  const create = async (o) => {
    const cred = await navigator.credentials.create({ publicKey: {
      ...o,
      challenge: b64uToBuf(o.challenge),
      user: { ...o.user, id: b64uToBuf(o.user.id) },
      excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: b64uToBuf(c.id) })),
    } });
    return {
      id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: bufToB64u(cred.response.clientDataJSON),
        attestationObject: bufToB64u(cred.response.attestationObject),
        transports: cred.response.getTransports ? cred.response.getTransports() : [],
      },
      clientExtensionResults: cred.getClientExtensionResults(),
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
    };
  };
  const get = async (o) => {
    const cred = await navigator.credentials.get({ publicKey: {
      ...o,
      challenge: b64uToBuf(o.challenge),
      allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: b64uToBuf(c.id) })),
    } });
    return {
      id: cred.id, rawId: bufToB64u(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: bufToB64u(cred.response.clientDataJSON),
        authenticatorData: bufToB64u(cred.response.authenticatorData),
        signature: bufToB64u(cred.response.signature),
        userHandle: cred.response.userHandle ? bufToB64u(cred.response.userHandle) : undefined,
      },
      clientExtensionResults: cred.getClientExtensionResults(),
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
    };
  };
  window.kb = {
    api,
    async addPasskey() {
      const opts = await api('/api/passkeys/options', {});
      if (opts.status !== 200) return opts;
      const response = await create(opts.body.options);
      return api('/api/passkeys/verify', { attemptId: opts.body.attemptId, response });
    },
    /** Returns the signed assertion and the attempt without verifying (for replay tests). */
    async signAssertion() {
      const opts = await api('/api/auth/passkey/options', {});
      const response = await get(opts.body.options);
      return { attemptId: opts.body.attemptId, response };
    },
    async loginWithPasskey() {
      const a = await window.kb.signAssertion();
      return api('/api/auth/passkey/verify', a);
    },
    async getWithRpId(rpId) {
      try {
        await navigator.credentials.get({ publicKey: { challenge: new Uint8Array(32), rpId, userVerification: 'required', timeout: 5000 } });
        return 'ok';
      } catch (e) {
        return e.name + ': ' + e.message;
      }
    },
  };
})();
`;
