import { decideDepartment } from './department.decide';
import { evolveDepartment, initialDepartmentState } from './department.state';

export const departmentDecider = {
  decide: decideDepartment,
  evolve: evolveDepartment,
  initialState: initialDepartmentState,
};
