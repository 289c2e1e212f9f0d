"""Experiment pages: start one, read its schedule and result, stop it, and the daily
"did you follow the plan?" answer posted from Today or the check-in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracker.experiments import design, selectors, services, stats
from tracker.experiments.forms import AdherenceForm, ExperimentForm
from tracker.experiments.models import Experiment


def _add_errors(form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@login_required
def experiments(request):
    user = request.user
    today = services.user_today(user)
    form = ExperimentForm(request.POST or None, initial={"starts_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            experiment = services.experiment_start(user=user, today=today, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Your experiment with {experiment.name} is planned: here is its schedule.")
            return redirect("experiment-detail", pk=experiment.pk)
    rows = [(e, selectors.experiment_status(e, today)) for e in Experiment.objects.for_user(user)]
    return render(
        request,
        "experiments/list.html",
        {
            "form": form,
            "experiments": rows,
            "running": services.experiment_running(user=user, today=today),
            "interventions": design.INTERVENTIONS,
        },
        status=400 if form.errors else 200,
    )


@login_required
def experiment_detail(request, pk: int):
    experiment = get_object_or_404(Experiment.objects.for_user(request.user), pk=pk)
    today = services.user_today(request.user)
    current = experiment.block_on(today)
    return render(
        request,
        "experiments/detail.html",
        {
            "experiment": experiment,
            "status": selectors.experiment_status(experiment, today),
            "blocks": [(b, b == current, experiment.instruction(b)) for b in experiment.blocks],
            "result": selectors.experiment_result(experiment=experiment, today=today),
            "today": today,
            "orders": 2**experiment.pairs,
            "smallest_p": f"{stats.smallest_p(experiment.pairs):.3g}",
        },
    )


@login_required
@require_POST
def experiment_stop(request, pk: int):
    experiment = get_object_or_404(Experiment.objects.for_user(request.user), pk=pk)
    services.experiment_stop(experiment=experiment)
    messages.success(request, f"You stopped the experiment with {experiment.name}; what you logged is analysed below.")
    return redirect("experiment-detail", pk=experiment.pk)


@login_required
@require_POST
def adherence(request):
    form = AdherenceForm(request.POST)
    target = request.POST.get("next")
    if not (target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())):
        target = "today"
    if not form.is_valid():
        messages.error(request, "Answer yes or no.")
        return redirect(target)
    try:
        answer = form.cleaned_data
        services.adherence_record(user=request.user, followed=answer["followed"], day=answer["day"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Noted: thank you. Every answer makes the result more honest.")
    return redirect(target)
