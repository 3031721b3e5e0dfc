// The guide's "Version Compatibility" table against kubeadm's own etcd pins: a static check (no cluster), one finding
// per row of the guide. What running kube-apiservers against etcd releases shows belongs to k8s.version-matrix.
import {
  checkGuideVersionRow,
  defineScenario,
  GUIDE_VERSION_ROWS,
  KUBEADM_ETCD_PINS,
  KUBEADM_ETCD_SOURCE,
} from '../harness/index.js';

export default defineScenario({
  id: 'version-compat',
  title: "The guide's Kubernetes/etcd version table against kubeadm's pins",
  claims: ['compat.kubeadm-etcd'],
  params: {},
  async run(ctx) {
    ctx.step(
      `kubeadm's etcd pins for Kubernetes ${KUBEADM_ETCD_PINS[0]?.kubernetes}–${KUBEADM_ETCD_PINS.at(-1)?.kubernetes}`,
    );
    const evidence = await ctx.evidence.json('kubeadm-etcd-pins.json', {
      source: KUBEADM_ETCD_SOURCE,
      pins: KUBEADM_ETCD_PINS,
    });
    ctx.table({
      name: 'etcd installed by kubeadm per Kubernetes minor',
      columns: ['Kubernetes', 'kubeadm release read', 'etcd image', 'etcd'],
      rows: KUBEADM_ETCD_PINS.map((pin) => [pin.kubernetes, pin.kubeadm, pin.image, pin.etcd]),
      note: KUBEADM_ETCD_SOURCE,
    });
    for (const row of GUIDE_VERSION_ROWS)
      ctx.report(checkGuideVersionRow(row, KUBEADM_ETCD_PINS), [evidence]);
  },
});
