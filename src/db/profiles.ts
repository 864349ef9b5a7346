export type AppRole = 'contributor' | 'validator' | 'admin' | 'company';

export interface Profile {
  role: AppRole;
  companyId: string | null;
}
