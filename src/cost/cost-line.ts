import { priced, type ListPrice } from './prices-us-east-1';

/*
 * One line of the estimate: what is billed, how much of it a month, at which list price, and why
 * that quantity. A line that belongs to an option of the stack (the dashboard, the topic's key)
 * says whether the option is on; an option that is off costs nothing and shows what it would.
 */

export type Service = 'Lambda' | 'DynamoDB' | 'CloudWatch' | 'KMS' | 'EventBridge';

export interface CostOption {
  readonly name: string;
  readonly on: boolean;
  /** Monthly dollars with the option on (the line's own figure when it is on). */
  readonly monthlyUsdWhenOn: number;
}

export interface CostLine {
  readonly service: Service;
  readonly item: string;
  readonly quantity: number;
  readonly price: ListPrice;
  readonly monthlyUsd: number;
  /** How the quantity was counted. */
  readonly basis: string;
  readonly option?: CostOption | undefined;
}

export function costLine(service: Service, item: string, quantity: number, price: ListPrice, basis: string): CostLine {
  return { service, item, quantity, price, monthlyUsd: priced(price, quantity), basis };
}

/** A line of an option: `count` units when on (as the template has them), `countWhenOn` what it would have. */
export function optionLine(service: Service, item: string, count: number, countWhenOn: number, price: ListPrice, option: string, basis: string): CostLine {
  const on = count > 0;
  return {
    ...costLine(service, item, count, price, basis),
    option: { name: option, on, monthlyUsdWhenOn: priced(price, on ? count : countWhenOn) },
  };
}
