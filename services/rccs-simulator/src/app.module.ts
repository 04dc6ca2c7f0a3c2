import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ObservabilityModule } from '@rcp/observability';
import { AdminController, AdminOrdersController } from './admin/admin.controller';
import { JsonBodyMiddleware } from './admin/json-body.middleware';
import { LoopbackGuard } from './admin/loopback.guard';
import { HealthController } from './health/health.controller';
import { RccsApi } from './rccs-api';
import { SimulatorRuntime } from './runtime';
import { SoapController } from './soap/soap.controller';
import { SoapEndpoint } from './soap/soap-endpoint';
import { WsdlDocument } from './wsdl/wsdl';

export interface SimulatorParts {
  runtime: SimulatorRuntime;
  api: RccsApi;
  endpoint: SoapEndpoint;
  wsdl: WsdlDocument;
}

/** The HTTP surface: SOAP + WSDL, admin (JSON, loopback only) and health. Built around ready-made parts. */
@Module({})
export class SimulatorModule implements NestModule {
  static register(parts: SimulatorParts): DynamicModule {
    return {
      module: SimulatorModule,
      // GET /metrics (HTTP request metrics, process metrics); health stays the simulator's own (it also serves /health)
      imports: [ObservabilityModule.forRoot({ service: 'rccs-simulator' })],
      controllers: [SoapController, AdminController, AdminOrdersController, HealthController],
      providers: [
        { provide: SimulatorRuntime, useValue: parts.runtime },
        { provide: RccsApi, useValue: parts.api },
        { provide: SoapEndpoint, useValue: parts.endpoint },
        { provide: WsdlDocument, useValue: parts.wsdl },
        LoopbackGuard,
        JsonBodyMiddleware,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes(AdminController, AdminOrdersController);
  }
}
