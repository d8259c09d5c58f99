"""Plain words for the lab: one line per panel, setting and parameter, a glossary, simple/expert mode.

Written for a student who knows neural networks but not statistical physics. The texts
are data (dicts keyed by the name the lab uses); ``explain`` looks one up, ``help_note``
and ``add_tooltip`` put it beside a control, ``Glossary`` is a searchable list for a tab.
"""
from __future__ import annotations

import html
import re

import ipywidgets as w

__all__ = ["DATASET_OPTIONS", "GLOSSARY", "PANELS", "SAMPLER_PARAMETERS", "SECTIONS", "SETTINGS",
           "SIMPLE_PARAMETERS", "TRAINER_PARAMETERS", "Glossary", "add_tooltip", "explain", "help_note",
           "shown_parameters"]

#: The lab's panels and tabs.
PANELS = {
    "network": "Build the data set and the network; every neuron is a spin that is either +1 or -1.",
    "output": "What the network answers now: its decision over the input plane, or a digit's image and the "
              "energy of each class (the lowest energy wins). To add points to 2-D data by clicking the "
              "plot, open Your files below the tabs.",
    "training": "Train the network: Play runs epochs, Step runs one epoch, Reset starts again from the initial "
                "weights; the curves show accuracy and how many wrong deep states (heads) are left.",
    "model": "The training problem as an energy function of spins: fields on single neurons and couplings "
             "between neurons, exactly what an annealer is given.",
    "sampler": "The annealer that searches the energy function for low states, and its settings.",
    "schedule": "How the anneal moves from quantum (s = 0, all spins undecided) to classical (s = 1, spins "
                "frozen); drag the points to change it.",
    "energies": "Energy of every read compared with the right answer (the clamped target): left of zero is a "
                "wrong state lower than the right one, a head.",
    "read_stepper": "Step through the reads of the last sampling, lowest energy first, and see each one on the "
                    "network.",
    "landscape": "How rugged the energy landscape is: many different deep states (a glass) before training, "
                 "one funnel to the right answer (order) after it.",
    "qpu": "The model placed on a D-Wave chip's graph of qubits; each neuron becomes a chain of qubits.",
    "lessons": "Guided lessons: each step sets up the lab and asks a question you answer by looking.",
    "glossary": "The physics words this lab uses, in plain language.",
    "save": "Save the lab's settings, weights and training curves to a file, or load them back.",
}

#: Every setting of the lab (LabState's setting traits; also the keys of a saved lab and of a link).
SETTINGS = {
    "dataset": "Which data set to learn: 2-D toy sets (xor, circles, gauss, spiral, moons), 8x8 handwritten "
               "digits, or a teacher perceptron's random +-1 inputs.",
    "n_samples": "How many data points the 2-D sets have before the train/test split.",
    "noise": "How much random jitter is added to the 2-D points; more noise makes the classes overlap.",
    "test_fraction": "Share of the data held back to test the network on examples it never trained on.",
    "features": "Extra inputs computed from x1, x2 (like x1^2 or sin(x1)), as in TensorFlow Playground.",
    "own_data": "Your own data (the dataset csv): the text of an uploaded CSV file and the points added by clicks.",
    "seed": "Random seed of the data and the initial weights: the same seed gives the same lab.",
    "hidden": "Sizes of the hidden layers; every hidden neuron is one spin.",
    "replicas": "Output spins per class: the class whose output spins vote +1 most is the answer.",
    "encoding": "neurons: neurons are spins and weights are couplings (the paper's picture); weights: every "
                "weight is written with a few bits, each bit a qubit.",
    "bits": "Bits per weight in the weights encoding: K bits give 2^K possible values per weight.",
    "sample_index": "Which training example the model view and the sampler show.",
    "sampler": "Which annealer (or solver) searches for low-energy states of the model.",
    "sampler_params": "The chosen sampler's settings (reads, sweeps, temperature, schedule, ...).",
    "sample_reads": "Reads per Sample click: how many low-energy states one click asks the sampler for.",
    "sample_chunk": "Reads sampled per chunk while the histogram fills in live; smaller chunks update more often.",
    "trainer": "How the network is trained: by annealing (contrastive, layerwise), by a weight QUBO, or by "
               "ordinary backpropagation for comparison.",
    "trainer_params": "The chosen trainer's settings (epochs, batch size, learning rate, reads per step, ...).",
    "topology": "Which D-Wave qubit graph to place the model on: Pegasus (Advantage) or Zephyr (Advantage2).",
    "embed_reads": "Reads of the embedded model on the mock QPU; each read shows which chains broke.",
    "chain_strength": "How strongly the qubits of one chain are tied together (a multiple of the model's typical "
                      "coupling); too weak and chains break, too strong and the problem itself gets squeezed.",
    "embed_minibatch": "Training examples annealed together in one call, for the QPU tab's count of the spins "
                       "each window of layers needs.",
    "selected_label": "The spin you clicked; it is highlighted in every view.",
    "selected_read": "Which read of the last sampling is shown on the network (0 = lowest energy).",
    "mode": "simple shows the few settings that matter most; expert shows every setting of the sampler.",
    "tab": "Which deeper view is open under the main screen.",
}

#: Sampler parameters (every registered sampler's schema), by parameter name.
SAMPLER_PARAMETERS = {
    "num_reads": "Reads: how many independent anneals, each ending in one state of all the spins.",
    "num_sweeps": "Length of each anneal in sweeps; in one sweep every spin gets one chance to flip. More sweeps "
                  "anneal more slowly and usually end lower.",
    "beta_range": "The hottest and coldest inverse temperature (beta = 1/T) of the anneal; empty: chosen from "
                  "the model's fields and couplings.",
    "beta_schedule_type": "How beta grows from hot to cold: geometric (slow at first) or linear.",
    "anneal_schedule": "The anneal's path s(t) as points (time in microseconds, s from 0 to 1); standard, pause, "
                       "quench and reverse are presets.",
    "seed": "Seed of the sampler's random numbers: the same seed gives the same reads; empty: new each time.",
    "interrupt_function": "A function called between reads that can stop the run (used by the Stop button).",
    "timeout": "Milliseconds of tabu search per read.",
    "update": "How one spin decides to flip: Metropolis (accept if it lowers the energy, else with probability "
              "e^(-beta dE)) or heat-bath (pick the new value from its Boltzmann probability).",
    "temperature": "Temperature of the simulated quantum annealer in millikelvin (a D-Wave chip runs at about "
                   "12-16 mK); hotter means more thermal jumps.",
    "trotter_slices": "Copies of the spins (imaginary-time slices) that stand in for quantum fluctuations; more "
                      "slices are closer to quantum mechanics and slower.",
    "auto_scale": "Divide the model so fields lie in [-4, 4] and couplings in [-1, 1], as a D-Wave QPU does "
                  "before annealing.",
    "energy_scales": "The curves A(s) and B(s) in GHz; empty: the lab's model of an Advantage QPU.",
    "initial_state": "The state a reverse anneal starts from (for example the last read).",
    "chain_strength_prefactor": "How strongly the qubits of a chain are tied, as a multiple of the typical "
                                "coupling each qubit feels; small values let chains break.",
    "embedding_method": "How neurons are placed on qubits: clique (a fixed pattern for dense models), heuristic "
                        "(minorminer's search), or auto.",
    "embedding_seed": "Seed of the heuristic embedding search; the same seed gives the same chains.",
    "device": "Where the layered annealer runs: cpu (a compiled kernel) or cuda (whole layers as matrix products "
              "on a GPU).",
    "topology": "The qubit graph of the mock QPU: pegasus (Advantage, 5640 qubits) or zephyr (Advantage2, 4800 "
                "qubits).",
}

#: Trainer parameters (every registered trainer's schema), by parameter name.
TRAINER_PARAMETERS = {
    "epochs": "Passes over the training set that one Play runs.",
    "batch_size": "Training examples per step; the annealer handles the whole minibatch in one call.",
    "learning_rate": "Size of each weight update.",
    "lr_decay": "How fast the learning rate shrinks: epoch k steps with rate / (1 + lr_decay * k).",
    "num_reads": "Reads per training step: how many states the annealer finds for each example; more reads find "
                 "more heads to cut.",
    "heads_per_sample": "How many of the deepest wrong states (heads) are pushed up per example and step.",
    "variant": "contrastive: push the heads up and the right answer down; nudged: pull the outputs gently "
               "toward the answer instead (equilibrium propagation).",
    "window": "How many consecutive layers are annealed together in one call; the rest of a deep network stays "
              "fixed.",
    "bits": "Bits per weight in the weight QUBO: K bits give 2^K possible values per weight.",
    "head_rule": "Which wrong states count as heads: margin (only those within the margin of the right answer's "
                 "energy) or class (also every state with a wrong class).",
    "margin": "How far above the right answer's energy a wrong state still counts as a head; empty: 0.03 per "
              "spin.",
}

#: Options of load_dataset (and the data settings they come from), by name.
DATASET_OPTIONS = {
    "n_samples": SETTINGS["n_samples"],
    "noise": SETTINGS["noise"],
    "test_fraction": SETTINGS["test_fraction"],
    "random_state": "Seed of the data: the same seed gives the same points and the same split.",
    "features": SETTINGS["features"],
    "encoding": "How digit pixels become inputs: scaled (grey levels in [-1, 1]) or binary (+1 for dark, -1 for "
                "light).",
    "classes": "Which digits to keep (for example 0 and 1); empty: all ten.",
    "n_inputs": "Number of +-1 inputs of the teacher perceptron.",
    "alpha": "Examples per input of the teacher set: alpha x n_inputs examples in all.",
    "path": "The CSV file of your own data: numeric feature columns, the label last.",
    "data": "The contents of a CSV file of your own data (instead of its path).",
}

#: Physics words of the lab, each in one to three plain sentences.
GLOSSARY = {
    "spin": "A variable that is either +1 or -1, like a tiny magnet pointing up or down. In this lab every "
            "hidden and output neuron is a spin.",
    "Ising model": "An energy function of spins: a sum of terms on single spins (fields) and on pairs of spins "
                   "(couplings). Training a network is turned into one, and annealers search it for low energies.",
    "QUBO": "Quadratic unconstrained binary optimisation: the Ising model written with 0/1 bits instead of "
            "+-1 spins. The weights encoding is a QUBO over the bits of the weights.",
    "field": "The term on a single spin (a bias): it makes one of the spin's two values cheaper. The input x acts "
             "on the first hidden layer as the field W1 x + b1 (the model view shows dimod's linear bias, its "
             "negative).",
    "coupling": "The term on a pair of spins. Here the couplings are the network's weights between adjacent "
                "layers: a positive weight makes the two spins prefer to agree (dimod's quadratic bias is -W).",
    "energy": "One number per state of all spins; lower is better. The network answers with the class whose "
              "clamped state has the lowest energy.",
    "ground state": "The lowest-energy state of a model. A trained network's ground state, for an input, has the "
                    "right class on its output spins.",
    "local minimum": "A state no single spin flip can lower. Annealers can get stuck in one; the lab polishes each "
                     "read down to its local minimum before counting distinct minima.",
    "anneal": "Search for low energies by starting hot (or very quantum) and slowly cooling, so the state can "
              "cross barriers early and settle into a deep valley at the end.",
    "read": "One finished anneal: one state of all the spins and its energy. (A sample is one data point; a read "
            "is one answer of the sampler.)",
    "sweep": "One pass of a Monte Carlo annealer in which every spin gets one chance to flip; anneal length is "
             "counted in sweeps.",
    "temperature": "How much randomness the search allows: hot states jump around, cold states only go downhill. "
                   "The sqa sampler takes it in millikelvin, as on a real chip.",
    "beta": "Inverse temperature, beta = 1/T. A flip that raises the energy by dE is accepted with probability "
            "e^(-beta dE), so a large beta is cold.",
    "beta_schedule_type": "How beta grows over a classical anneal between beta_range's hot and cold ends: "
                          "geometric (equal ratios per sweep) or linear (equal steps).",
    "Metropolis / heat-bath": "Two rules for flipping a spin at temperature T: Metropolis accepts a flip with "
                              "probability min(1, e^(-beta dE)); heat-bath draws the spin from its Boltzmann "
                              "probability. Both end at the same equilibrium.",
    "Boltzmann distribution": "At equilibrium a state of energy E appears with probability proportional to "
                              "e^(-beta E): low states are likely, and more so the colder it is.",
    "schedule s(t)": "The path of a quantum anneal: s goes from 0 (only the transverse field) to 1 (only the "
                     "problem) over time t in microseconds. Classical annealers in the lab follow it as a beta "
                     "schedule.",
    "A(s) / B(s)": "The two energy scales of a D-Wave anneal, in GHz: A(s) drives the transverse field and falls "
                   "from about 6.5 to 0, B(s) weighs the problem and rises to about 6. The lab's default model "
                   "has them cross near s = 0.28.",
    "transverse field": "The quantum term -A(s)/2 sum X_i that keeps every qubit in a superposition of up and "
                        "down; it is strong at s = 0 and switched off by s = 1.",
    "quench": "An anneal that jumps to s = 1 quickly, freezing the state before it could settle: it ends higher "
              "in energy than a slow anneal.",
    "pause": "An anneal that holds s fixed for a while, giving the state time to settle where the dynamics are "
             "still active.",
    "reverse anneal": "Start from a given classical state at s = 1, go back to a middle s and return: a local "
                      "search around that state. It needs an initial state (for example the last read).",
    "Trotter slices": "Simulated quantum annealing replaces each quantum spin by M coupled classical copies "
                      "(slices in imaginary time); the transverse field becomes the coupling between "
                      "neighbouring copies.",
    "simulated annealing": "A classical annealer: random spin flips at a temperature that is lowered sweep by "
                           "sweep (the samplers sa, layered and the mock QPU's stand-in).",
    "simulated quantum annealing": "Path-integral Monte Carlo that follows A(s) and B(s) of a schedule at a "
                                   "temperature, so quantum tunnelling is imitated by the Trotter slices "
                                   "(sampler sqa).",
    "heads": "Deep wrong states: reads of the free network whose outputs are not the target and that the "
             "trainer's head rule counts (a wrong class, or an energy below or just above the target's). Training "
             "pushes them up; new ones keep growing, like a dragon's heads.",
    "replicas": "Several output spins per class. The answer is the class whose replicas vote +1 most, and the "
                "target code sets all replicas of the true class to +1.",
    "target code": "The output spins of the right answer, t(y): +1 on the replicas of class y, -1 on every other "
                   "output spin.",
    "clamped target": "The state with the outputs held (clamped) at the target code and the hidden spins at their "
                      "lowest energy for that. Its energy is the zero line of the energy histogram.",
    "free phase": "Anneal the network with only the input fixed: the reads are the states the network itself "
                  "prefers, right or wrong.",
    "clamped phase": "Fix the outputs to the right answer and let the hidden spins settle: the state training "
                     "should make the deepest.",
    "contrastive learning": "The update of this lab's annealing trainer: lower the energy of the clamped state "
                            "and raise that of the heads, dW = rate x (<h h'> clamped - <h h'> heads).",
    "equilibrium propagation": "The nudged variant: instead of clamping, pull the outputs weakly toward the "
                               "answer and compare the nudged state with the free one.",
    "energy gap": "In the energies view: a read's energy minus the clamped target's, per spin; below zero a "
                  "wrong state is deeper than the right one. In quantum annealing: the distance between the two "
                  "lowest levels of H(s), small gaps need slow anneals.",
    "overlap": "q = (s_a . s_b) / N for two reads a and b of the same input: 1 if they are the same state, "
               "about 0 if unrelated, -1 if opposite.",
    "P(q)": "The histogram of overlaps between pairs of reads. Broad means the reads land in many different "
            "states (a glass); a spike at q = 1 means they all find the same state (order).",
    "distinct minima": "How many different local minima the reads of one input end in; many in a glass, one "
                       "after training.",
    "spin glass": "A system with random couplings of both signs and many deep, unrelated minima. An untrained "
                  "network with random weights is one: reads of the same input disagree.",
    "glass -> order": "The paper's picture of training: a transition from a spin glass with many deep wrong "
                      "minima to an ordered landscape whose one deep valley is the right answer.",
    "melting temperature": "The temperature at which the trained order melts: starting from the clamped state, "
                           "the spins' average overlap with it falls below 1/2.",
    "probe set": "A fixed handful of training examples whose landscape is measured after every epoch, so the "
                 "curves compare like with like.",
    "weights as qubits": "The other route: each weight is written with K bits and one layer's least-squares "
                         "fit becomes a QUBO over those bits (trainer qubo, encoding weights).",
    "backpropagation": "The ordinary way to train a network: gradients of a loss, layer by layer. The lab trains "
                       "the same layer sizes with tanh units for comparison.",
    "qubit": "A quantum bit. On a D-Wave annealer each qubit ends the anneal as a spin, up or down.",
    "QPU": "Quantum processing unit: the annealing chip. The mock QPU has a real chip's graph and rules but "
           "anneals with classical simulated annealing, so it runs without an account.",
    "Pegasus / Zephyr": "The qubit graphs of D-Wave's chips: Pegasus on Advantage (P16, 5640 qubits, 15 "
                        "couplers per qubit), Zephyr on Advantage2 (Z12 here, 4800 qubits, 20 per qubit).",
    "embedding": "A map from each spin of the model to a connected set of qubits on the chip, so that every "
                 "coupling of the model has a coupler between the two sets (minor embedding).",
    "chain": "The qubits that together stand for one spin of the model, tied by strong couplings so they agree.",
    "chain break": "A read in which the qubits of one chain disagree. The lab decides the spin by majority vote "
                   "and rings broken chains in red.",
    "chain strength prefactor": "Chain coupling = prefactor x the root-mean-square coupling each qubit feels "
                                "(uniform torque compensation). Too small: chains break; too large: after "
                                "auto_scale the problem's own couplings become tiny.",
    "auto_scale": "A QPU accepts fields in [-4, 4] and couplings in [-1, 1]; auto_scale divides the whole model "
                  "by one factor so it fits, which also sets how hot the chip is relative to the problem.",
    "inspector": "D-Wave's problem inspector: a browser view of a problem on the chip, its chains and reads.",
}

#: Sections ``explain`` looks in, by name.
SECTIONS = {"panel": PANELS, "setting": SETTINGS, "sampler": SAMPLER_PARAMETERS, "trainer": TRAINER_PARAMETERS,
            "dataset": DATASET_OPTIONS, "term": GLOSSARY}

#: Sampler parameters simple mode shows: the anneal's length, its temperature (or what stands for it) and the
#: one setting that makes the sampler what it is. Expert mode shows every parameter the panel offers. (Reads
#: are set where they are used: per Sample click, per training step, on the QPU tab.)
SIMPLE_PARAMETERS = {
    "sa": ("num_sweeps", "beta_range"),
    "tabu": ("timeout",),
    "steepest": (),
    "exact": (),
    "layered": ("num_sweeps", "beta_range"),
    "sqa": ("num_sweeps", "temperature", "anneal_schedule"),
    "mock-qpu": ("num_sweeps", "chain_strength_prefactor", "anneal_schedule"),
    "qpu": ("chain_strength_prefactor", "anneal_schedule"),
}


def explain(section, name):
    """The one-line explanation of ``name`` in ``section`` (a key of SECTIONS)."""
    if section not in SECTIONS:
        raise KeyError(f"'section' should be one of {', '.join(map(repr, SECTIONS))}: value = {section!r}")
    try:
        return SECTIONS[section][name]
    except KeyError:
        raise KeyError(f"no words for {name!r} in section {section!r}; add them to qnn_lab/widgets/words.py") from None


def shown_parameters(sampler, parameters, mode):
    """The ``parameters`` (Parameter objects a panel offers for ``sampler``) shown in ``mode``, in order.

    "expert" shows them all; "simple" keeps those in SIMPLE_PARAMETERS[sampler] (all of them
    for a sampler not listed there, e.g. one an extension registered).
    """
    if mode not in ("simple", "expert"):
        raise ValueError(f"'mode' should be 'simple' or 'expert': value = {mode!r}")
    if mode == "expert" or sampler not in SIMPLE_PARAMETERS:
        return list(parameters)
    return [p for p in parameters if p.name in SIMPLE_PARAMETERS[sampler]]


def add_tooltip(control, section, name):
    """Give ``control`` the explanation as its hover text; returns the control."""
    control.tooltip = explain(section, name)
    return control


_NOTE = ("<span class='qnn-help' title='{text}' style='display:inline-block;width:1.3em;height:1.3em;"
         "line-height:1.3em;border-radius:50%;text-align:center;font-size:0.8em;font-weight:bold;cursor:help;"
         "border:1px solid currentColor;opacity:0.6'>?</span>")


def help_note(section, name, inline=False):
    """A small "?" whose hover text is the explanation; with ``inline`` the text is written beside it."""
    text = html.escape(explain(section, name), quote=True)
    value = _NOTE.format(text=text)
    if inline:
        value += f" <span class='qnn-help-text' style='font-size:0.85em;opacity:0.75'>{text}</span>"
    return w.HTML(value, layout={"margin": "0 4px"})


class Glossary(w.VBox):
    """The glossary as a searchable list: type a word, see the terms whose name or text contains it."""

    def __init__(self, terms=None):
        terms = GLOSSARY if terms is None else terms
        self.terms = {term: terms[term] for term in sorted(terms, key=str.lower)}     # alphabetical
        self.search = w.Text(placeholder="search the glossary (e.g. chain, beta, glass)", description="search",
                             continuous_update=True, layout={"width": "100%", "max_width": "480px"})
        self.count = w.HTML()
        self.entries = w.HTML(layout={"max_height": "420px", "overflow": "auto"})
        self.search.observe(lambda _: self.show(), "value")
        super().__init__([w.HBox([self.search, self.count]), self.entries])
        self.show()

    def matches(self, query=None):
        """Terms (alphabetical) whose name or text contains every word of ``query``, case-insensitive."""
        words = re.findall(r"\S+", (self.search.value if query is None else query).lower())
        return [term for term, text in self.terms.items() if all(q in f"{term} {text}".lower() for q in words)]

    def show(self):
        found = self.matches()
        self.count.value = f"<span style='opacity:0.7'>{len(found)} of {len(self.terms)} terms</span>"
        entry = "<p style='margin:2px 0 6px 0;line-height:1.4'><b>{}</b>: {}</p>"
        self.entries.value = "".join(entry.format(html.escape(term), html.escape(self.terms[term])) for term in found) \
            or "<p style='opacity:0.7'>no term matches</p>"
