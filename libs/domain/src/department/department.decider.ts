import type { Decider } from '../shared/decider';
import type { DepartmentCommand } from './department.commands';
import { decideDepartment, type DepartmentDecisionContext } from './department.decide';
import type { DepartmentEvent } from './department.events';
import { evolveDepartment, initialDepartmentState, type DepartmentState } from './department.state';

export const departmentDecider: Decider<DepartmentState, DepartmentCommand, DepartmentEvent, DepartmentDecisionContext> = {
  decide: decideDepartment,
  evolve: evolveDepartment,
  initialState: initialDepartmentState,
};
