/** Where the echo server "runs": reported in every answer so a test can tell backends apart. */
export interface PodContext {
  /** `NAMESPACE` */
  readonly namespace: string;
  /** `INGRESS_NAME` */
  readonly ingress: string;
  /** `SERVICE_NAME` */
  readonly service: string;
  /** `POD_NAME` */
  readonly pod: string;
}
