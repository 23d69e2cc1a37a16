"""Recount of the case report's published inputs from the reconstructed patient."""

from recount import assert_recounted, cleaned


def test_every_input_number_is_recounted():
    data = cleaned("breast_her2_l755s_case")
    patient = data.analysis.iloc[0]
    lines = data.cohort.treatment_lines.set_index("line")
    line2_months = lines.loc[2, "end_months"] - lines.loc[2, "start_months"]
    tdm1_years = (lines.loc[3, "progression_months"] - lines.loc[3, "start_months"]) / 12
    copies = patient["primary_gene_copy_number"]
    assert_recounted(
        "breast_her2_l755s_case",
        {
            "Patient story / age at presentation": patient["age_years"],
            "Patient story / primary tumour / HER2 IHC score": patient["primary_ihc_score"],
            # de novo metastatic: stage IV
            "Patient story / stage": 4 if patient["disease_status"] == "initially_metastatic" else 0,
            "Patient story / line 1 AC / cycles": lines.loc[1, "cycles"],
            "Patient story / line 2 PER+HER+DTX / cycles": lines.loc[2, "cycles"],
            "Patient story / line 2 PER+HER+DTX / duration": line2_months,
            "Functional and clinical significance / line 2 PER+HER+DTX / duration (restated)": line2_months,
            "Patient story / line 3 T-DM1 / response duration": tdm1_years,
            "Potential strategies / line 3 T-DM1 / response duration (restated)": tdm1_years,
            "Patient story / line 4 trastuzumab+VNR / cycles": lines.loc[4, "cycles"],
            "Patient story / line 5 Lap+Cap / cycles": lines.loc[5, "cycles"],
            "Patient update / line 6 T-DXd / cycles": lines.loc[6, "cycles"],
            "Molecular tumor board / Genotyping results / tumour purity": 100 * patient["primary_tumour_purity"],
            "Molecular tumor board / Genotyping results / HER2 copy number": copies,
            "Molecular tumor board / Genotyping results / L755S VAF": 100 * patient["primary_variant_allele_frequency"],
            # the two models of the clonal arithmetic both assume every tumour cell carries all copies
            "Molecular tumor board / Clonal arithmetic / clonal model / HER2 alleles per mutant cell": copies,
            "Molecular tumor board / Clonal arithmetic / clonal model / HER2 alleles per wild-type cell": copies,
            "Molecular tumor board / Clonal arithmetic / allelic model / HER2 alleles per tumour cell": copies,
        },
        contradicted={},
        not_about_the_patient={
            "Functional and clinical significance / CLEOPATRA / median PFS": "median PFS of the cited registration trial: a reference line of the swimmer plot, not data",
            "Potential strategies / EMILIA / median PFS": "median PFS of the cited registration trial: a reference line of the swimmer plot, not data",
        },
    )
