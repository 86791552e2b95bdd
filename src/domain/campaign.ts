/** A campaign's life: a draft, running (or paused) once started, then completed or cancelled for good. */
export type CampaignStatus = 'draft' | 'running' | 'paused' | 'completed' | 'cancelled';
