package org.circuitbench.ui.common;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.circuitbench.ablation.AblationKind;
import org.circuitbench.ablation.Method;
import org.circuitbench.ablation.Metric;
import org.circuitbench.ablation.Normalisation;

import java.util.List;

/**
 * The three choosers of the scoring method (docs/methods.md): ablation kind, metric and
 * normalisation. The normalisations offered follow the metric (kl: its own scale or faithfulness;
 * the others: ratio or faithfulness), and a metric change that leaves the normalisation invalid
 * moves it to the metric's default, so {@link #methodProperty()} is always a valid method.
 */
public final class MethodChoice {
    private final ObjectProperty<AblationKind> ablation = new SimpleObjectProperty<>(AblationKind.MEAN);
    private final ObjectProperty<Metric> metric = new SimpleObjectProperty<>(Metric.LOGIT_DIFF);
    private final ObjectProperty<Normalisation> normalisation = new SimpleObjectProperty<>(Normalisation.RATIO);
    private final ObservableList<Normalisation> normalisations = FXCollections.observableArrayList(offered(Metric.LOGIT_DIFF));
    private final ReadOnlyObjectWrapper<Method> method = new ReadOnlyObjectWrapper<>(Method.DEFAULT);
    private boolean setting;

    public MethodChoice() {
        ablation.addListener((o, a, b) -> {
            if (!setting) update();
        });
        metric.addListener((o, a, b) -> {
            normalisations.setAll(offered(b));
            if (setting) return;
            if (!normalisations.contains(normalisation.get())) {
                setting = true;
                normalisation.set(Method.defaultNormalisation(b));
                setting = false;
            }
            update();
        });
        normalisation.addListener((o, a, b) -> {
            if (!setting) update();
        });
    }

    /** The normalisations that make sense for a metric. */
    public static List<Normalisation> offered(Metric m) {
        return m == Metric.KL ? List.of(Normalisation.NONE, Normalisation.FAITHFULNESS)
                : List.of(Normalisation.RATIO, Normalisation.FAITHFULNESS);
    }

    private void update() {
        if (ablation.get() == null || metric.get() == null || normalisation.get() == null) return;
        if (!offered(metric.get()).contains(normalisation.get())) return;
        Method m = new Method(ablation.get(), metric.get(), normalisation.get());
        if (!m.equals(method.get())) method.set(m);
    }

    /** Shows a method (a session's) in the choosers. */
    public void set(Method m) {
        Method v = m == null ? Method.DEFAULT : m;
        setting = true;
        ablation.set(v.ablation());
        metric.set(v.metric());
        normalisation.set(v.normalisation());
        setting = false;
        update();
    }

    public ObjectProperty<AblationKind> ablationProperty() {
        return ablation;
    }

    public ObjectProperty<Metric> metricProperty() {
        return metric;
    }

    public ObjectProperty<Normalisation> normalisationProperty() {
        return normalisation;
    }

    /** The normalisations the chooser offers for the current metric. */
    public ObservableList<Normalisation> normalisations() {
        return normalisations;
    }

    public ReadOnlyObjectProperty<Method> methodProperty() {
        return method.getReadOnlyProperty();
    }

    public Method method() {
        return method.get();
    }
}
