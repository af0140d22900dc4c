"""What each dashboard number means, in one sentence (the same words as docs/metrics.md):
shown when the number is hovered, with the count behind it."""

from __future__ import annotations

DEFINITIONS = {
    "dora.deployment_frequency": "Successful production deployments in the range; per week = "
    "count ÷ the range's days times 7.",
    "dora.lead_time": "For every deployed change, deployment time minus commit time; the median "
    "over the changes deployed in the range.",
    "dora.change_failure_rate": "Deployments with at least one incident caused by them ÷ "
    "deployments.",
    "dora.recovery_time": "Incident end minus start, the median over incidents resolved in "
    "the range.",
    "dora.rework_rate": "Deployments made while an incident of the same repository or service "
    "was open ÷ deployments.",
    "revenue.mrr": "Monthly recurring revenue at the range's end: active and past-due "
    "subscriptions brought to a month, minus forever discounts.",
    "revenue.new": "MRR of customers who went from 0 to more and never had MRR before.",
    "revenue.reactivation": "MRR of customers who went from 0 to more, having had MRR before.",
    "revenue.expansion": "MRR gained by customers whose MRR went up while above 0.",
    "revenue.contraction": "MRR lost by customers whose MRR went down, still above 0.",
    "revenue.churn": "MRR lost by customers whose MRR went from above 0 to 0.",
    "revenue.customer_churn": "Customers churned in the range ÷ customers with MRR at its start.",
    "revenue.arpa": "MRR at the end ÷ customers with MRR at the end.",
    "revenue.ltv": "ARPA ÷ the monthly customer churn rate; ARPA times 60 when nobody churned.",
    "revenue.trial_conversion": "Subscriptions that left trialing in the range for active or "
    "past due ÷ all that left trialing in it.",
    "product.dau": "Distinct people (distinct_id) with any event on a day; shown here as the "
    "mean over the range's days.",
    "product.wau": "Distinct people over the trailing 7 days ending that day.",
    "product.mau": "Distinct people over the trailing 30 days ending that day.",
    "product.stickiness": "Mean DAU over the range ÷ MAU on its last day.",
    "product.retention": "The cohort of a week is the people whose first start event falls in "
    "it; each cell is the share of them with a return event n weeks later.",
    "product.funnel": "A person converts step k having done steps 1…k in order, each within "
    "the conversion window of their step 1.",
    "product.time_to_value": "People whose first signup falls in the range; the median time "
    "to their first activation event.",
    "nps": "% of 0 to 10 scores that are 9 or 10, minus % that are 0 to 6 (-100 to 100).",
    "csat": "% of 1 to 5 scores that are 4 or 5.",
}

BANDS = {
    "elite": "Elite: the DORA report's best performers.",
    "high": "High: the DORA report's second tier.",
    "medium": "Medium: the DORA report's third tier.",
    "low": "Low: the DORA report's last tier.",
}
