package org.circuitbench.ui.task;

import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.circuitbench.task.TaskDefinition;
import org.circuitbench.task.TaskProblem;
import org.circuitbench.ui.common.Controls;

import java.util.List;
import java.util.Locale;

/** The task editor: templates, variables, keep labels, inline problems and the prompt preview. */
public final class TaskEditorView extends BorderPane {
    private final TaskEditorViewModel vm;

    public TaskEditorView(TaskEditorViewModel vm) {
        this.vm = vm;
        setId("task-editor");
        setPadding(new Insets(8));

        TextField name = text("editor-name", vm.nameProperty());
        Button addTpl = Controls.button("Add template", "editor-add-template", vm::addTemplate);
        Button removeTpl = Controls.button("Remove template", "editor-remove-template", vm::removeTemplate);
        Button importBtn = Controls.button("Import task file…", "editor-import", vm::chooseImport);
        Button library = Controls.button("New from library…", "editor-library", vm::chooseFromLibrary);
        Button exportBtn = Controls.button("Export task file…", "editor-export", vm::chooseExport);
        Button check = Controls.button("Check with the model", "editor-check", vm::computeModelPreview);
        check.disableProperty().bind(vm.busyProperty().or(vm.generatedProperty().isNull()));
        Button apply = Controls.button("Apply", "editor-apply", vm::apply);
        apply.getStyleClass().add("primary");
        apply.disableProperty().bind(vm.canApplyProperty().not());
        apply.setTooltip(new javafx.scene.control.Tooltip("Hands the edited task to the session; while Problems lists an error it cannot."));
        Label dirty = new Label("edits not applied");
        dirty.setId("editor-not-applied");
        dirty.getStyleClass().add("caption");
        dirty.visibleProperty().bind(vm.dirtyProperty());
        Label note = Controls.label("editor-apply-note", vm.applyNoteProperty(), "error-text");
        note.visibleProperty().bind(vm.applyNoteProperty().isNotEmpty());
        note.managedProperty().bind(note.visibleProperty());
        name.setPrefColumnCount(18);
        name.setMinWidth(120);
        // a row that wraps in a narrow window (1024 wide) rather than cut a button or push the form off the screen
        FlowPane top = new FlowPane(8, 6, Controls.fixed(new Label("Task")), name, Controls.fixed(apply), Controls.fixed(dirty),
                Controls.fixed(check), Controls.fixed(library), Controls.fixed(importBtn), Controls.fixed(exportBtn));
        top.setAlignment(Pos.CENTER_LEFT);
        VBox head = new VBox(4, top, note);
        top.setPadding(new Insets(0, 0, 8, 0));

        ListView<TaskDefinition.TemplateSpec> templates = new ListView<>(vm.templates());
        templates.setId("editor-templates");
        templates.setPrefWidth(150);
        templates.setMinWidth(130);
        templates.setCellFactory(Controls.textCells(t -> t.id().isEmpty() ? "(default)" : t.id()));
        templates.getSelectionModel().selectedIndexProperty().addListener((o, a, b) -> {
            if (b.intValue() >= 0) vm.selectedTemplateProperty().set(b.intValue());
        });
        vm.selectedTemplateProperty().addListener((o, a, b) -> {
            if (b.intValue() >= 0 && templates.getSelectionModel().getSelectedIndex() != b.intValue()) {
                templates.getSelectionModel().select(b.intValue());
            }
        });
        addTpl.setMaxWidth(Double.MAX_VALUE);
        removeTpl.setMaxWidth(Double.MAX_VALUE);
        VBox tplBox = new VBox(6, new Label("Templates"), templates, addTpl, removeTpl);
        tplBox.setMinWidth(Region.USE_PREF_SIZE);
        VBox.setVgrow(templates, Priority.ALWAYS);

        GridPane form = new GridPane();
        form.setHgap(8);
        form.setVgap(6);
        ColumnConstraints labelColumn = new ColumnConstraints();
        labelColumn.setMinWidth(Region.USE_PREF_SIZE);
        ColumnConstraints fieldColumn = new ColumnConstraints();
        fieldColumn.setHgrow(Priority.ALWAYS);
        fieldColumn.setFillWidth(true);
        form.getColumnConstraints().addAll(labelColumn, fieldColumn);
        int r = 0;
        form.addRow(r++, new Label("Template id"), text("editor-template-id", vm.templateIdProperty()));
        form.addRow(r++, new Label("Clean text"), text("editor-clean-text", vm.cleanTextProperty()));
        form.addRow(r++, new Label("Correct answer"), text("editor-correct", vm.correctProperty()));
        form.addRow(r++, new Label("Incorrect answer"), text("editor-incorrect", vm.incorrectProperty()));
        form.addRow(r++, new Label("Clean variables"), area("editor-clean-vars", vm.cleanVariablesProperty()));
        form.addRow(r++, new Label("Clean prompts"), new HBox(6, number("editor-clean-count", vm.cleanCountTextProperty()), Controls.fixed(new Label("seed")),
                number("editor-clean-seed", vm.cleanSeedTextProperty()), new Label("(when no variable is a range)")));
        form.addRow(r++, new Label("Corrupt text"), text("editor-corrupt-text", vm.corruptTextProperty()));
        form.addRow(r++, new Label("Corrupt variables"), area("editor-corrupt-vars", vm.corruptVariablesProperty()));
        TextField count = number("editor-corrupt-count", vm.corruptCountTextProperty());
        TextField seed = number("editor-corrupt-seed", vm.corruptSeedTextProperty());
        CheckBox paired = new CheckBox("paired: one per clean prompt, from its variables (for patching)");
        paired.setId("editor-corrupt-paired");
        paired.selectedProperty().bindBidirectional(vm.corruptPairedProperty());
        count.disableProperty().bind(vm.corruptPairedProperty()); // a paired set has as many prompts as the clean one
        paired.setWrapText(true); // on two lines in a narrow window (1024 wide) rather than cut
        HBox corruptRow = new HBox(6, count, Controls.fixed(new Label("seed")), seed, paired);
        corruptRow.setAlignment(Pos.CENTER_LEFT);
        form.addRow(r++, new Label("Corrupt prompts"), corruptRow);
        form.addRow(r++, new Label("Lists"), area("editor-lists", vm.listsProperty()));
        FlowPane keep = new FlowPane(10, 4);
        keep.setId("editor-keep");
        CheckBox keepAll = Controls.fixed(new CheckBox("every position"));
        keepAll.setId("editor-keep-all");
        keepAll.selectedProperty().bindBidirectional(vm.keepAllProperty());
        keep.disableProperty().bind(vm.keepAllProperty());
        syncKeep(keep);
        HBox keepRow = new HBox(14, keepAll, keep);
        keepRow.setAlignment(Pos.CENTER_LEFT);
        HBox.setHgrow(keep, Priority.ALWAYS);
        form.addRow(r++, new Label("Keep positions"), keepRow);
        CheckBox space = new CheckBox("an answer follows a space (its token is that of \" \" + answer; off: of the answer itself, as \"17\" → \"32\")");
        space.setId("editor-answer-space");
        space.setWrapText(true);
        space.selectedProperty().bindBidirectional(vm.answerSpaceProperty());
        form.addRow(r++, new Label("Answers"), space);
        Label help = new Label("Placeholders: {a}, {a+1}, {numwords[i]}, {months[(i+1) % 12]}, {randint(d, d+10)}, {choice(w)}, "
                + "{sample(w, 3)[0]}, {w[1:4]}, {join(w)}. An answer that is one list, as {years[yy+1:]}, is a set of answers. "
                + "Variables, one per line: a = 1..100 gives every value; d = randint(1, 9) * 10 is drawn per prompt. "
                + "Lists, one per line: w: red, green, blue; built in: numwords, months, days, letters. "
                + "Each placeholder of the clean text is a position, S1, S2, …; end is the last token.");
        help.setWrapText(true);
        help.getStyleClass().add("caption");
        form.add(help, 0, r, 2, 1);
        GridPane.setHgrow(form.getChildren().get(1), Priority.ALWAYS);
        form.disableProperty().bind(vm.readOnlyProperty());
        tplBox.disableProperty().bind(vm.readOnlyProperty());
        Label readOnly = new Label("Imported prompts: shown as they are; edit the file, or make a new task to use generators.");
        readOnly.getStyleClass().add("caption");
        readOnly.visibleProperty().bind(vm.readOnlyProperty());
        readOnly.managedProperty().bind(vm.readOnlyProperty());

        ListView<TaskProblem> problems = new ListView<>(vm.problems());
        problems.setId("editor-problems");
        problems.setPrefHeight(4 * 24 + 4);
        problems.setMinHeight(3 * 24 + 4);
        problems.setPlaceholder(new Label("No problems."));
        problems.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(TaskProblem p, boolean empty) {
                super.updateItem(p, empty);
                getStyleClass().removeAll("problem-error", "problem-warning");
                if (empty || p == null) {
                    setText(null);
                    return;
                }
                setText((p.isError() ? "error: " : "warning: ") + p.message());
                getStyleClass().add(p.isError() ? "problem-error" : "problem-warning");
                setWrapText(true);
                setPrefWidth(0);
            }
        });

        TableView<TaskEditorViewModel.PreviewRow> preview = new TableView<>(vm.preview());
        preview.setId("editor-preview");
        preview.setFixedCellSize(26);
        preview.getColumns().add(col("set", p -> p.clean() ? "clean" : "corrupt", 64));
        preview.getColumns().add(col("#", p -> Integer.toString(p.index()), 44));
        preview.getColumns().add(col("template", p -> p.template(), 84));
        TableColumn<TaskEditorViewModel.PreviewRow, TaskEditorViewModel.PreviewRow> tokens = new TableColumn<>("tokens");
        tokens.setPrefWidth(300);
        tokens.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(d.getValue()));
        tokens.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(TaskEditorViewModel.PreviewRow p, boolean empty) {
                super.updateItem(p, empty);
                setGraphic(empty || p == null ? null : chips(p.tokens()));
                setText(null);
            }
        });
        preview.getColumns().add(tokens);
        preview.getColumns().add(col("length", p -> Integer.toString(p.length()), 60));
        preview.getColumns().add(col("correct", p -> p.correct() == null ? "" : p.correct(), 76));
        preview.getColumns().add(col("incorrect", p -> p.incorrect() == null ? "" : p.incorrect(), 84));
        preview.getColumns().add(col("full logit diff", p -> p.fullLogitDiff() == null ? "" : String.format(Locale.ROOT, "%.3f", p.fullLogitDiff()), 112));
        preview.getColumns().add(col("model right?", p -> p.modelRight() == null ? "" : p.modelRight() ? "yes" : "no", 104));
        Label summary = new Label();
        summary.textProperty().bind(vm.summaryProperty());

        VBox formBox = new VBox(8, readOnly, form);
        formBox.setPadding(new Insets(0, 12, 0, 0));
        ScrollPane formScroll = new ScrollPane(formBox);
        formScroll.setFitToWidth(true);
        formScroll.setId("editor-form-scroll");
        HBox editorRow = new HBox(10, tplBox, formScroll);
        HBox.setHgrow(formScroll, Priority.ALWAYS);
        VBox problemsBox = new VBox(4, new Label("Problems"), problems);
        HBox previewHeader = new HBox(8, new Label("Preview"), summary);
        VBox lower = new VBox(6, problemsBox, previewHeader, preview);
        VBox.setVgrow(preview, Priority.ALWAYS);
        SplitPane split = new SplitPane(editorRow, lower);
        split.setOrientation(javafx.geometry.Orientation.VERTICAL);
        split.setDividerPositions(0.5);
        setTop(head);
        setCenter(split);
    }

    /**
     * One box per position label (and per kept label the template no longer has, so it can be
     * unticked); rebuilt from the view model whenever either list changes, so a box is ticked
     * exactly when its label is kept.
     */
    private void syncKeep(FlowPane keep) {
        boolean[] updating = {false};
        Runnable fill = () -> {
            updating[0] = true;
            keep.getChildren().clear();
            List<String> shown = new java.util.ArrayList<>(vm.labels());
            for (String k : vm.keep()) if (!shown.contains(k)) shown.add(k);
            for (String label : shown) {
                CheckBox box = new CheckBox(label);
                box.setId("keep-" + label);
                box.setSelected(vm.keep().contains(label));
                if (!vm.labels().contains(label)) box.getStyleClass().add("invalid");
                box.selectedProperty().addListener((o, was, now) -> {
                    if (updating[0]) return;
                    List<String> k = new java.util.ArrayList<>(vm.keep());
                    if (now && !k.contains(label)) k.add(label);
                    if (!now) k.remove(label);
                    vm.keep().setAll(k);
                });
                keep.getChildren().add(box);
            }
            updating[0] = false;
        };
        vm.labels().addListener((ListChangeListener<String>) c -> fill.run());
        vm.keep().addListener((ListChangeListener<String>) c -> fill.run());
        fill.run();
    }

    static HBox chips(List<String> tokens) {
        HBox f = new HBox(2);
        for (int i = 0; i < tokens.size(); i++) {
            Label chip = new Label(tokens.get(i).replace(' ', '␣'));
            chip.getStyleClass().addAll("token-chip", "token-chip-" + (i % 4));
            f.getChildren().add(chip);
        }
        return f;
    }

    private static TextField text(String id, javafx.beans.property.StringProperty p) {
        return bound(new TextField(), id, p);
    }

    private static TextArea area(String id, javafx.beans.property.StringProperty p) {
        TextArea t = bound(new TextArea(), id, p);
        t.setPrefRowCount(2);
        return t;
    }

    /** A text input bound both ways to {@code p}, as wide as a template's text. */
    private static <T extends javafx.scene.control.TextInputControl> T bound(T t, String id, javafx.beans.property.StringProperty p) {
        t.setId(id);
        t.textProperty().bindBidirectional(p);
        if (t instanceof TextField f) f.setPrefColumnCount(36);
        if (t instanceof TextArea a) a.setPrefColumnCount(36);
        return t;
    }

    /** A number field: its text as typed goes to the view model, which says when it is no number. */
    private static TextField number(String id, javafx.beans.property.StringProperty text) {
        TextField t = new TextField();
        t.setId(id);
        t.setPrefColumnCount(6);
        t.textProperty().bindBidirectional(text);
        return t;
    }


    private static TableColumn<TaskEditorViewModel.PreviewRow, String> col(String title,
            java.util.function.Function<TaskEditorViewModel.PreviewRow, String> f, double w) {
        TableColumn<TaskEditorViewModel.PreviewRow, String> c = new TableColumn<>(title);
        c.setCellValueFactory(d -> new ReadOnlyStringWrapper(f.apply(d.getValue())));
        c.setPrefWidth(w);
        return c;
    }
}
