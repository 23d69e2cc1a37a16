# The L755S case report recomputed in R from its raw dates and sequencing values,
# independently of the pipeline: each treatment line's start, stop and duration and
# its time to progression in months (days / 30.4375) from the start of line 1, an
# ongoing line closed at last contact; and the clonal arithmetic (normal cells
# diploid): copies per cell = purity x CN + (1 - purity) x 2, mutant copies =
# VAF x that, mutant cell fraction = mutant / (purity x CN), mutant alleles per
# tumour cell = mutant / purity.
#   Rscript tests/r/breast_her2_l755s_case.R   (from the repository root)
options(digits = 15)
out <- "tests/fixtures/r/breast_her2_l755s_case"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
raw <- "data/raw/breast_her2_l755s_case"
p <- read.csv(file.path(raw, "patients.csv"), na.strings = "", stringsAsFactors = FALSE)
s <- read.csv(file.path(raw, "specimens.csv"), na.strings = "", stringsAsFactors = FALSE)
l <- read.csv(file.path(raw, "treatment_lines.csv"), na.strings = "", stringsAsFactors = FALSE)
month <- 365.25 / 12
origin <- as.Date(p$treatment_start_date[1])
months <- function(date) as.numeric(as.Date(date) - origin) / month
l <- l[order(l$line), ]
stop_date <- ifelse(!is.na(l$end_date), l$end_date, ifelse(!is.na(l$progression_date), l$progression_date, p$last_contact_date[1]))
lines <- data.frame(line = l$line, cycles = l$cycles, start_months = months(l$start_date), stop_months = months(stop_date))
lines$duration_months <- lines$stop_months - lines$start_months
lines$time_to_progression_months <- as.numeric(as.Date(l$progression_date) - as.Date(l$start_date)) / month
lines$ongoing <- is.na(l$end_date) & is.na(l$progression_date)
write.csv(lines, file.path(out, "lines.csv"), row.names = FALSE, na = "NA")
m <- s[!is.na(s$variant_allele_frequency), ]
total <- m$tumour_purity * m$gene_copy_number + (1 - m$tumour_purity) * 2
mutant <- m$variant_allele_frequency * total
write.csv(data.frame(vaf = m$variant_allele_frequency, purity = m$tumour_purity, copy_number = m$gene_copy_number,
                     total_copies_per_cell = total, mutant_copies_per_cell = mutant,
                     mutant_cell_fraction = mutant / (m$tumour_purity * m$gene_copy_number),
                     mutant_alleles_per_tumour_cell = mutant / m$tumour_purity),
          file.path(out, "clonality.csv"), row.names = FALSE)
write.csv(data.frame(component = "R", version = R.version.string), file.path(out, "versions.csv"), row.names = FALSE)
