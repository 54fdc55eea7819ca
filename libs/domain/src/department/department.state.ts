import type { DepartmentEvent, ServiceStandard } from './department.events';

export type DepartmentState =
  | { status: 'absent' }
  | {
      status: 'active';
      departmentId: string;
      name: string;
      /**
       * Every version ever published, oldest first: a request measured against
       * version 1 must still find its targets and calendar after version 2.
       */
      standards: readonly ServiceStandard[];
    };

export const initialDepartmentState: DepartmentState = { status: 'absent' };

export function evolveDepartment(state: DepartmentState, event: DepartmentEvent): DepartmentState {
  switch (event.type) {
    case 'DepartmentRegistered':
      return { status: 'active', departmentId: event.data.departmentId, name: event.data.name, standards: [] };
    case 'ServiceStandardPublished': {
      if (state.status === 'absent') throw new Error('ServiceStandardPublished applied to a department that was never registered');
      const { departmentId: _departmentId, ...standard } = event.data;
      return { ...state, standards: [...state.standards, standard] };
    }
    default: {
      const _: never = event;
      return state;
    }
  }
}

/** The standard new requests are measured against: the latest version, or null before the first. */
export function currentServiceStandard(state: DepartmentState): ServiceStandard | null {
  if (state.status === 'absent' || state.standards.length === 0) return null;
  return state.standards[state.standards.length - 1];
}

/** A given version, as published; null when the department never published it. */
export function serviceStandardVersion(state: DepartmentState, version: number): ServiceStandard | null {
  if (state.status === 'absent') return null;
  return state.standards.find((standard) => standard.version === version) ?? null;
}
