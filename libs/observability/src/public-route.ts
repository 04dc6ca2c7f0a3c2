import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/**
 * Metadata key set on this library's operational controllers (`/metrics`, `/health/*`). An app-wide auth guard
 * must let these through: `if (reflector.getAllAndOverride(PUBLIC_ROUTE_KEY, [ctx.getHandler(), ctx.getClass()])) return true;`.
 */
export const PUBLIC_ROUTE_KEY = 'rcp:public-route';

/** Marks a controller as public (no auth, see {@link PUBLIC_ROUTE_KEY}) and hides it from Swagger. */
export function OperationalController(): ClassDecorator {
  return applyDecorators(SetMetadata(PUBLIC_ROUTE_KEY, true), ApiExcludeController());
}
