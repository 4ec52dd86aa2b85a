/** List, rename and delete the account's passkeys. */
import type { RouteHandlers } from '../http/route-table';
import { z } from 'zod';
import type { ServerParts } from '../composition-root';
import { IdParams, PasskeyDeleteQuery, PasskeyRenameRequest } from '../protocol/api';
import { ApiError, parseWith } from '../http/errors';
import { requestMeta, requireSession, requireStepUp } from '../http/request-helpers';
import { MAX_PASSKEYS, lastPasskeyGuardRefuses } from './policy';
import { passkeyView } from './views';

const NoBody = z.strictObject({}).optional();

function notFound(): ApiError {
  return new ApiError(404, 'not_found', 'No such passkey on this account.');
}

/** The parts of the server passkeyManagementRoutes uses; server/app.ts hands over exactly these. */
export const passkeyManagementUses = [
  'accounts',
  'activity',
  'clock',
  'passkeys',
  'sessions',
] as const satisfies readonly (keyof ServerParts)[];
export type PasskeyManagementDeps = Pick<ServerParts, (typeof passkeyManagementUses)[number]>;

export function passkeyManagementRoutes(
  ctx: PasskeyManagementDeps,
): RouteHandlers<'passkeys' | 'renamePasskey' | 'deletePasskey'> {
  return {
    passkeys: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const rows = await ctx.passkeys.listForUser(user.id);
      return {
        passkeys: rows.map((r) => passkeyView(r, session.passkey_id)),
        limit: MAX_PASSKEYS,
        webauthnUserId: user.webauthn_user_id,
      };
    },

    renamePasskey: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const { id } = parseWith(IdParams, request.params);
      const body = parseWith(PasskeyRenameRequest, request.body);
      const before = await ctx.passkeys.byIdForUser(id, user.id);
      if (!before || !(await ctx.passkeys.rename(id, user.id, body.name))) throw notFound();
      await ctx.activity.record(user.id, 'passkey.renamed', requestMeta(request), {
        passkeyId: id,
        from: before.name,
        passkeyName: body.name,
      });
      return passkeyView({ ...before, name: body.name }, session.passkey_id);
    },

    deletePasskey: async (request) => {
      const { session, user } = await requireSession(ctx, request);
      const { id } = parseWith(IdParams, request.params);
      const query = parseWith(PasskeyDeleteQuery, request.query);
      parseWith(NoBody, request.body);
      requireStepUp(ctx, session);
      const passkey = await ctx.passkeys.byIdForUser(id, user.id);
      if (!passkey) throw notFound();
      const count = await ctx.passkeys.countForUser(user.id);
      if (lastPasskeyGuardRefuses(count, query.acknowledgeLastPasskey === 'true')) {
        throw new ApiError(
          409,
          'last_passkey',
          'This is your last passkey: without it you cannot sign in by scanning a QR code or with your phone, only with your password. Confirm to remove it anyway.',
        );
      }
      if (!(await ctx.passkeys.delete(id, user.id))) throw notFound();
      await ctx.activity.record(user.id, 'passkey.removed', requestMeta(request), {
        passkeyId: id,
        passkeyName: passkey.name,
      });
      const remaining = await ctx.passkeys.listForUser(user.id);
      // What the phone needs for signalAllAcceptedCredentials, so its provider drops the removed one.
      return {
        removed: id,
        webauthnUserId: user.webauthn_user_id,
        allAcceptedCredentialIds: remaining.map((p) => p.credential_id),
      };
    },
  };
}
