// Deterministic tests: one time zone everywhere (JST is applied explicitly where people read times).
process.env.TZ = 'UTC';
import 'reflect-metadata';
