"""The trajectory choices on the target form: each path named in the page's language, with its
sentence and the points of its small picture, drawn from the path's own yearly shares."""
from dataclasses import dataclass

from portal.strategic_plan.translations import plan_text

# The picture's box (an SVG viewBox); CSS sets its size on the page.
WIDTH, HEIGHT, PAD = 48, 28, 3


@dataclass(frozen=True)
class PathChoice:
    code: str
    name: str
    sentence: str
    points: str  # SVG polyline points, from the baseline (bottom left) to the target (top right)


def picture_points(shares: list[float]) -> str:
    """The path from the baseline through each year's share of the gain, in the picture's box."""
    steps = [0.0, *shares]
    span = max(len(steps) - 1, 1)
    high = HEIGHT - 2 * PAD
    return " ".join(f"{PAD + i * (WIDTH - 2 * PAD) / span:.1f},{HEIGHT - PAD - share * high:.1f}"
                    for i, share in enumerate(steps))


def path_choices(trajectories: dict) -> list[PathChoice]:
    """Each trajectory the plan offers, in its order, ready for the form's radio buttons."""
    return [PathChoice(code, plan_text("trajectory", code, "name", t.name),
                       plan_text("trajectory", code, "description", t.description), picture_points(t.shares))
            for code, t in trajectories.items()]
