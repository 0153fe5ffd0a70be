/**
 * @module core/dns-label
 * The name rule of stacks, services, versions and traffic rules (DESIGN §2): a DNS label.
 * Apart from core/model.ts so modules that model.ts imports can use it too.
 */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
