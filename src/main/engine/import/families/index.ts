import { FLUX_FAMILY } from './flux'
import { PIXART_FAMILY } from './pixart'
import { QWEN_IMAGE_FAMILY } from './qwen-image'
import { SD3_FAMILY } from './sd3'
import type { FamilyImportSpec } from './types'
import { WAN_FAMILY } from './wan'

/**
 * The families `studio import` recognises, in the order a folder is tried. Adding a family: write
 * families/<family>.ts exporting its FamilyImportSpec (families/types.ts) and add it here.
 */
export const FAMILY_SPECS: readonly FamilyImportSpec[] = [
  FLUX_FAMILY,
  WAN_FAMILY,
  SD3_FAMILY,
  QWEN_IMAGE_FAMILY,
  PIXART_FAMILY
]
