import { Column, Entity, PrimaryColumn } from 'typeorm';

/** De-duplication state: one row per (rule, incident key); repeats inside the window are only counted. */
@Entity('incident')
export class Incident {
  @PrimaryColumn({ name: 'rule_id', type: 'uuid' }) ruleId!: string;
  @PrimaryColumn({ name: 'incident_key', type: 'text' }) incidentKey!: string;
  @Column({ name: 'first_seen_at', type: 'timestamptz' }) firstSeenAt!: Date;
  @Column({ name: 'last_seen_at', type: 'timestamptz' }) lastSeenAt!: Date;
  @Column({ name: 'suppress_until', type: 'timestamptz' }) suppressUntil!: Date;
  @Column({ type: 'integer', default: 1 }) occurrences!: number;
  @Column({ type: 'integer', default: 0 }) suppressed!: number;
}
