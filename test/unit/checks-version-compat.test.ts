import { describe, expect, it } from 'vitest';
import { checkGuideVersionRow, GUIDE_VERSION_ROWS } from '../../harness/checks/version-compat.js';
import { KUBEADM_ETCD_PINS, type KubeadmEtcdPin } from '../../harness/manifest/kubeadm-etcd.js';

const pin = (kubernetes: string, etcd: string): KubeadmEtcdPin => ({
  kubernetes,
  kubeadm: `${kubernetes}.0`,
  etcd,
  image: `${etcd}-0`,
});

describe('compat.kubeadm-etcd', () => {
  it('checks each guide row against kubeadm’s pins (measured table: the first two rows fail, 1.30+ holds)', () => {
    const verdicts = GUIDE_VERSION_ROWS.map((row) => checkGuideVersionRow(row, KUBEADM_ETCD_PINS).verdict);
    expect(verdicts).toEqual(['fail', 'fail', 'pass']);
    const first = checkGuideVersionRow(GUIDE_VERSION_ROWS[0]!, KUBEADM_ETCD_PINS);
    expect(first.observed).toContain('1.24 → 3.5.6 (kubeadm 1.24.17)');
    expect(first.reason).toContain('1.27.16 installs 3.5.12');
  });

  it('passes a table inside the range and fails one outside it (negative control), inclusive bounds', () => {
    const row = GUIDE_VERSION_ROWS[0]!;
    expect(checkGuideVersionRow(row, [pin('1.24', '3.5.4'), pin('1.27', '3.5.6')]).verdict).toBe('pass');
    expect(checkGuideVersionRow(row, [pin('1.24', '3.5.4'), pin('1.27', '3.5.7')]).verdict).toBe('fail');
    expect(checkGuideVersionRow(row, [pin('1.30', '3.5.15')]).verdict).toBe('inconclusive');
    expect(
      checkGuideVersionRow(GUIDE_VERSION_ROWS[2]!, [pin('1.34', '3.6.5'), pin('1.30', '3.5.12')]).verdict,
    ).toBe('fail');
  });
});
