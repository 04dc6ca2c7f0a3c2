/** A failed delivery attempt. `permanent` failures are parked at once (retrying cannot help). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
