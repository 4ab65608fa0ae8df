{#- Every non-null value of the column satisfies the expression (e.g. ">= 0", "between 0 and 100"). -#}
{% test expression_is_true(model, column_name, expression) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
        and not ({{ column_name }} {{ expression }})
{% endtest %}
