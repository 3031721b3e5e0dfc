// Kubernetes objects the scenarios write through the API: namespaces, ConfigMaps, Secrets, a CRD and its custom
// resources, all labelled with the scenario so informers and lists can select exactly them.
import { TimeoutError } from '../errors.js';
import { CRDS, type KubeClient, type KubeObject, type ResourceType } from './client.js';

export const SCENARIO_LABEL = 'etcd-chaos.io/scenario';

/** The test CRD: `widgets.chaos.etcd-chaos.io`, namespaced, one version with a free-form spec. */
export const WIDGET_GROUP = 'chaos.etcd-chaos.io';
export const WIDGET_CRD_NAME = `widgets.${WIDGET_GROUP}`;
export const WIDGETS: ResourceType = {
  group: WIDGET_GROUP,
  version: 'v1',
  plural: 'widgets',
  namespaced: true,
};

function labels(scenario: string): Record<string, string> {
  return { [SCENARIO_LABEL]: scenario };
}

export function namespaceObject(name: string, scenario: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: labels(scenario) } };
}

export function configMapObject(
  namespace: string,
  name: string,
  data: Record<string, string>,
  scenario: string,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace, labels: labels(scenario) },
    data,
  };
}

export function secretObject(
  namespace: string,
  name: string,
  stringData: Record<string, string>,
  scenario: string,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: labels(scenario) },
    type: 'Opaque',
    stringData,
  };
}

export function widgetCrd(scenario: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: WIDGET_CRD_NAME, labels: labels(scenario) },
    spec: {
      group: WIDGET_GROUP,
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { size: { type: 'integer' }, colour: { type: 'string' } },
                },
              },
            },
          },
        },
      ],
    },
  };
}

export function widgetObject(namespace: string, name: string, size: number, scenario: string): KubeObject {
  return {
    apiVersion: `${WIDGET_GROUP}/v1`,
    kind: 'Widget',
    metadata: { name, namespace, labels: labels(scenario) },
    spec: { size, colour: `colour-${size}` },
  };
}

/** Waits until the CRD reports `Established=True` (its resources are served). */
export async function waitForCrdEstablished(
  client: KubeClient,
  name: string,
  timeoutMs = 30_000,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const crd = await client.find<
      KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
    >(CRDS, name);
    if (
      crd?.status?.conditions?.some(
        (condition) => condition.type === 'Established' && condition.status === 'True',
      )
    ) {
      return Date.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new TimeoutError(`CRD ${name} to be established`, timeoutMs);
}

/** An object as a user would re-apply it: without server-set metadata (uid, resourceVersion, timestamps, managedFields). */
export function forReapply(object: KubeObject): KubeObject {
  const {
    uid: _uid,
    resourceVersion: _rv,
    creationTimestamp: _ct,
    managedFields: _mf,
    generation: _g,
    ...metadata
  } = object.metadata;
  const { status: _status, ...rest } = object;
  return { ...rest, metadata: metadata as KubeObject['metadata'] };
}
