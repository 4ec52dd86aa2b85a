/**
 * One error shape for every failure: `{error: {code, message}}` with a 4xx status. Bad input
 * must never become a 500, so the handler maps zod and Fastify's own errors to 4xx codes.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError, type ZodType } from 'zod';
import type { ApiError as ApiErrorBody, ErrorCode } from '../protocol/api';
import { StorageError } from '../scale/storage-error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number; issues?: string[]; triesLeft?: number } = {},
  ) {
    super(message);
  }
}

export function parseWith<T>(schema: ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

function validationError(error: ZodError): ApiError {
  // Paths and messages only: zod 4 messages do not echo input values, so no secret leaks here.
  const issues = error.issues
    .slice(0, 10)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  return new ApiError(400, 'validation_failed', 'The request is not valid.', { issues });
}

const fastifyCodes: Record<string, { status: number; code: ErrorCode; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'bad_request',
    message: 'The body is not valid JSON.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'bad_request',
    message: 'The JSON body is empty.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'payload_too_large',
    message: 'The body is too large.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send the body as application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'bad_request',
    message: 'Bad Content-Length.',
  },
  FST_ERR_CTP_INVALID_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Bad Content-Type.',
  },
};

/** A store that cannot answer: try again shortly (server/scale/storage-error.ts). */
function storageUnavailable(): ApiError {
  return new ApiError(
    503,
    'server_busy',
    'Sign-in is briefly unavailable. Try again in a moment.',
    {
      retryAfterSeconds: 5,
    },
  );
}

export function errorBody(error: ApiError): ApiErrorBody {
  return { error: { code: error.code, message: error.message, ...error.extra } };
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError | ZodError | SyntaxError, request, reply) => {
    let apiError: ApiError;
    if (err instanceof ApiError) apiError = err;
    else if (err instanceof StorageError) apiError = storageUnavailable();
    else if (err instanceof ZodError) apiError = validationError(err);
    else if ('code' in err && typeof err.code === 'string' && fastifyCodes[err.code]) {
      const known = fastifyCodes[err.code]!;
      apiError = new ApiError(known.status, known.code, known.message);
    } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode < 500) {
      // Any other client error Fastify raises (bad URL encoding, etc.).
      apiError = new ApiError(
        err.statusCode,
        'bad_request',
        'The request could not be understood.',
      );
    } else {
      // A real bug: log it (the error, never the request body) and answer without details.
      request.log.error({ err }, 'unhandled error');
      return reply
        .code(500)
        .send({ error: { code: 'internal', message: 'Something went wrong on our side.' } });
    }
    if (apiError.extra.retryAfterSeconds !== undefined) {
      reply.header('retry-after', String(apiError.extra.retryAfterSeconds));
    }
    return reply.code(apiError.status).send(errorBody(apiError));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      error: {
        code: 'not_found',
        message: `No route for ${request.method} ${request.url.split('?')[0]}.`,
      },
    });
  });
}
