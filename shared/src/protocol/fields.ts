// Small zod fields that several message files share.
import * as z from 'zod';
import { errorCodes, type ErrorCode } from './error-codes.ts';
import { PROTOCOL_VERSION } from './version.ts';

export const v = z.literal(PROTOCOL_VERSION);
export const count = z.int().min(0).max(1_000_000);
export const text = (max: number) => z.string().max(max);

export const ErrorCodeField = z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]);

export const ClientKind = z.enum(['figma', 'photoshop', 'dashboard', 'cli']);
export type ClientKind = z.infer<typeof ClientKind>;
